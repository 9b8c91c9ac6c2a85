package org.armfer.zoo;

import org.armfer.fast.FastWeightDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A registry model that another library builds ({@link ModelEntry#ofFactory}: a {@link GraphFactory}
 * {@code (numClasses, inputSize) -> ComputationGraph}). The factory decides the architecture and its own training
 * settings; what the builder sets explicitly (seed, updater, weight decay, loss) is written into the built
 * configuration afterwards: the updater into every layer (weights and biases), the weight decay as one
 * {@link FastWeightDecay} on every layer's weights (biases undecayed, as the zoo's own models), the loss into the output
 * layer, the seed into the configuration, after which the graph is initialised again from it. Such a model has no
 * head or stages armfer knows, so {@link FerModel.Builder#head} and {@link FerModel.Builder#after} are rejected, and its
 * input is square with 3 channels (the factory's contract).
 */
public final class FactoryModel extends FerModel {

    private final GraphFactory factory;
    private final Builder settings;

    private FactoryModel(Builder b) {
        super(b, b.entryName, new int[]{3, b.defaultInputSize, b.defaultInputSize}, null, List.of());
        this.factory = b.factory;
        this.settings = b;
        if (b.getHead() != null || !b.getPlaced().isEmpty()) {
            throw new IllegalArgumentException(modelName() + " is built by its factory: its head and blocks cannot be changed"
                    + " (no head(...), arm(...), armBlocks(...) or after(...))");
        }
        finish();
    }

    /** A builder for the model {@code name} that {@code factory} builds, by default at {@code defaultInputSize}. */
    public static Builder builder(String name, GraphFactory factory, int defaultInputSize) {
        return new Builder(name, factory, defaultInputSize);
    }

    @Override
    protected void resolve() {
        int[] s = getInputShape();
        if (s[0] != 3 || s[1] != s[2]) {
            throw new IllegalArgumentException(modelName() + " is built by its factory for square 3-channel input; got "
                    + s[0] + "x" + s[1] + "x" + s[2] + "; allowed: inputShape(3, n, n) or inputSize(n)");
        }
        super.resolve();
    }

    @Override
    public InputType headInputType() {
        return null;
    }

    /** The classifier's input width, from the built graph (the factory's architecture is not known otherwise). */
    @Override
    public long classifierInputs() {
        ComputationGraphConfiguration conf = conf();
        String out = conf.getNetworkOutputs().get(0);
        Layer l = ((LayerVertex) conf.getVertices().get(out)).getLayerConf().getLayer();
        return ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l).getNIn();
    }

    @Override
    public ComputationGraphConfiguration conf() {
        return init().getConfiguration();
    }

    /** The factory's graph, with the explicitly set training settings written into it. */
    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph built = factory.create(getNumClasses(), getInputShape()[1]);
        if (settings.updater == null && settings.weightDecay == null && settings.loss == null && settings.seed == null
                && settings.dataType == null) {
            return built;
        }
        ComputationGraphConfiguration conf = built.getConfiguration().clone();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) e.getValue();
                apply(lv.getLayerConf().getLayer());
                if (settings.seed != null) {
                    lv.getLayerConf().setSeed(getSeed());
                }
            }
        }
        if (settings.loss != null && !hasLossLayer(conf)) {
            throw new IllegalArgumentException(modelName() + ": no output layer takes a loss function; the factory's graph"
                    + " has outputs " + conf.getNetworkOutputs());
        }
        if (settings.seed != null) {
            conf.getDefaultConfiguration().setSeed(getSeed());
        }
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        if (settings.seed == null) {
            g.setParams(built.params()); // only the settings changed: keep the factory's initialisation
        }
        return settings.dataType != null && settings.dataType != g.params().dataType() ? g.convertDataType(settings.dataType) : g;
    }

    private void apply(Layer layer) {
        if (settings.updater != null) {
            if (layer instanceof BaseLayer) {
                ((BaseLayer) layer).setIUpdater(getUpdater().clone());
                ((BaseLayer) layer).setBiasUpdater(getUpdater().clone());
            } else if (layer instanceof AbstractSameDiffLayer) {
                ((AbstractSameDiffLayer) layer).setUpdater(getUpdater().clone());
                ((AbstractSameDiffLayer) layer).setBiasUpdater(getUpdater().clone());
            }
        }
        if (settings.weightDecay != null) {
            List<Regularization> decay = getWeightDecay() > 0
                    ? new ArrayList<>(List.of(new FastWeightDecay(getWeightDecay(), true))) : new ArrayList<>();
            if (layer instanceof BaseLayer) {
                ((BaseLayer) layer).setRegularization(decay);
                ((BaseLayer) layer).setRegularizationBias(new ArrayList<>());
            } else if (layer instanceof AbstractSameDiffLayer) {
                ((AbstractSameDiffLayer) layer).setRegularization(decay);
                ((AbstractSameDiffLayer) layer).setRegularizationBias(new ArrayList<>());
            }
        }
        if (settings.loss != null) {
            if (layer instanceof BaseOutputLayer) {
                ((BaseOutputLayer) layer).setLossFn(getLoss());
            } else if (layer instanceof LossLayer) {
                ((LossLayer) layer).setLossFn(getLoss());
            }
        }
    }

    private static boolean hasLossLayer(ComputationGraphConfiguration conf) {
        for (String out : conf.getNetworkOutputs()) {
            GraphVertex v = conf.getVertices().get(out);
            if (v instanceof LayerVertex) {
                Layer l = ((LayerVertex) v).getLayerConf().getLayer();
                if (l instanceof BaseOutputLayer || l instanceof LossLayer) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Builder of a factory-built model: classes, square input side and the training settings (see the class). */
    public static final class Builder extends FerModel.Builder<Builder> {
        private final String entryName;
        private final GraphFactory factory;
        private final int defaultInputSize;

        private Builder(String name, GraphFactory factory, int defaultInputSize) {
            this.entryName = name;
            this.factory = factory;
            this.defaultInputSize = defaultInputSize;
            name(name);
        }

        @Override
        public FactoryModel build() {
            return new FactoryModel(this);
        }
    }
}
