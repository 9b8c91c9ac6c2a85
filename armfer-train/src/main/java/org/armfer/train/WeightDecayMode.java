package org.armfer.train;

import org.armfer.fast.FastBatchNormalization;
import org.armfer.fast.FastWeightDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How weight decay enters training, applied to a built {@link ComputationGraphConfiguration} by {@link #apply}
 * (every earlier L2 or weight decay of the graph's layers is replaced; L1 and others are kept):
 * <ul>
 *   <li>{@link #COUPLED}: exactly PyTorch's {@code Adam(params, weight_decay=c)} (and {@code SGD(weight_decay=c)}),
 *       which the ARM reference trains with: {@code c·p} is added to the gradient of <em>every</em> parameter before
 *       the optimiser's moment estimates see it, so it is scaled by Adam's adaptive step. DL4J's
 *       {@link L2Regularization} does that (after the gradient is averaged over the minibatch, before the updater);
 *       it is put on every weight and bias, BatchNorm's gamma and beta included (through
 *       {@link CoupledDecayBatchNormalization}) and ARM's λ; never on running statistics (BatchNorm's mean and
 *       variance, SA's running GAR).</li>
 *   <li>{@link #DECOUPLED}: DL4J's {@link WeightDecay} ({@link FastWeightDecay}) on the weights only, not biases or
 *       BatchNorm: {@code p -= lr·c·p} after the updater, what armfer's zoo models use by default
 *       ({@code FerModel.Builder.weightDecay}).</li>
 *   <li>{@link #NONE}: no decay.</li>
 * </ul>
 */
public enum WeightDecayMode {
    COUPLED, DECOUPLED, NONE;

    /** {@code coupled}, {@code decoupled}, {@code none} (case-insensitive). */
    public static WeightDecayMode parse(String s) {
        for (WeightDecayMode m : values()) {
            if (m.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("Unknown weight-decay mode '" + s + "'; allowed: coupled, decoupled, none");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Sets this mode with {@code coefficient} on every layer of {@code conf} (in place) and returns it; with
     * coefficient 0 every mode is {@link #NONE}.
     *
     * @throws IllegalArgumentException for a negative or non-finite coefficient
     */
    public ComputationGraphConfiguration apply(ComputationGraphConfiguration conf, double coefficient) {
        if (!(coefficient >= 0) || Double.isInfinite(coefficient)) {
            throw new IllegalArgumentException("weight decay must be a finite number >= 0; got " + coefficient);
        }
        WeightDecayMode mode = coefficient == 0 ? NONE : this;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (mode == COUPLED && layer instanceof BatchNormalization bn && !(layer instanceof CoupledDecayBatchNormalization)) {
                layer = CoupledDecayBatchNormalization.of(bn);
                lv.getLayerConf().setLayer(layer);
            } else if (mode != COUPLED && layer instanceof CoupledDecayBatchNormalization c) {
                layer = FastBatchNormalization.of(c);
                lv.getLayerConf().setLayer(layer);
            }
            List<Regularization> weights = mode == COUPLED ? List.of(new L2Regularization(coefficient))
                    : mode == DECOUPLED ? List.of(new FastWeightDecay(coefficient, true)) : List.of();
            List<Regularization> biases = mode == COUPLED ? List.of(new L2Regularization(coefficient)) : List.of();
            if (layer instanceof BaseLayer b) {
                b.setRegularization(replaced(b.getRegularization(), weights));
                b.setRegularizationBias(replaced(b.getRegularizationBias(), biases));
            } else if (layer instanceof AbstractSameDiffLayer s) {
                s.setRegularization(replaced(s.getRegularization(), weights));
                s.setRegularizationBias(replaced(s.getRegularizationBias(), biases));
            }
        }
        return conf;
    }

    /** {@code current} without its L2 and weight decay, plus {@code added}. */
    private static List<Regularization> replaced(List<Regularization> current, List<Regularization> added) {
        List<Regularization> out = new ArrayList<>();
        if (current != null) {
            for (Regularization r : current) {
                if (!(r instanceof L2Regularization) && !(r instanceof WeightDecay)) {
                    out.add(r);
                }
            }
        }
        for (Regularization r : added) {
            out.add(r.clone());
        }
        return out;
    }

    /**
     * {@code model} as a model file should hold it: the same parameters, with {@link CoupledDecayBatchNormalization}
     * turned back into {@link FastBatchNormalization} so that the file loads without this module (the regularization
     * settings stay: they are inert at inference). The model itself when it has none.
     */
    public static ComputationGraph forInference(ComputationGraph model) {
        boolean any = false;
        for (GraphVertex v : model.getConfiguration().getVertices().values()) {
            any |= v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof CoupledDecayBatchNormalization;
        }
        if (!any) {
            return model;
        }
        ComputationGraphConfiguration conf = model.getConfiguration().clone();
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof CoupledDecayBatchNormalization c) {
                lv.getLayerConf().setLayer(FastBatchNormalization.of(c));
            }
        }
        ComputationGraph out = new ComputationGraph(conf);
        out.init(model.params().dup(), false);
        return out;
    }
}
