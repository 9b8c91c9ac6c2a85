package org.armfer.layers.impl;

/**
 * What the builders of armfer's composite blocks share: the settings of their BatchNorms (PyTorch's defaults: momentum
 * 0.1 = DL4J decay 0.9, eps 1e-5), validated where they enter.
 *
 * @param <B> the builder's own type
 */
public abstract class BlockBuilder<B extends BlockBuilder<B>> {

    protected double bnDecay = 0.9;
    protected double bnEps = 1e-5;
    private final String who;

    /** @param who the block's name, for messages */
    protected BlockBuilder(String who) {
        this.who = who;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** BatchNorm decay, 0 <= decay < 1 (default 0.9 = PyTorch momentum 0.1). */
    public B bnDecay(double decay) {
        this.bnDecay = GraphBlocks.checkDecay(who, decay);
        return self();
    }

    /** BatchNorm epsilon > 0 (default 1e-5). */
    public B bnEps(double eps) {
        this.bnEps = GraphBlocks.checkEps(who, eps);
        return self();
    }

    public double getBnDecay() {
        return bnDecay;
    }

    public double getBnEps() {
        return bnEps;
    }
}
