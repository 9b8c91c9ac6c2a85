package org.armfer.fast;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference copy of a trained graph with every convolution -> batch normalisation pair folded into one convolution
 * with bias ({@code W' = W·γ/σ}, {@code b' = (b - μ)·γ/σ + β}, σ = sqrt(running var + eps)), and a plain ReLU right
 * after such a pair fused as the convolution's activation. This is what ONNX Runtime does when it loads a model; DL4J
 * executes layer by layer, so each batch norm and ReLU would otherwise be a full pass over its activations.
 * <p>
 * The copy computes the original's inference output (up to float rounding); its vertices are the original's minus the
 * folded batch norms and ReLUs (each consumer now reads the convolution). It is for {@code output()}: training it
 * would train a network without batch normalisation. A pair is folded only where the convolution has an identity
 * activation, its output goes to the batch norm alone, and neither the batch norm nor the ReLU is a network output.
 */
public final class BatchNormFolding {

    private static final Logger log = LoggerFactory.getLogger(BatchNormFolding.class);

    private BatchNormFolding() {
    }

    /** The folded inference copy of {@code trained} (which is not changed). */
    public static ComputationGraph fold(ComputationGraph trained) {
        ComputationGraphConfiguration conf = trained.getConfiguration().clone();
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, String> folded = new LinkedHashMap<>();     // conv -> its batch norm
        Map<String, String> replacement = new HashMap<>();      // removed vertex -> the conv that now produces it
        for (String name : new ArrayList<>(vertices.keySet())) {
            ConvolutionLayer conv = layer(vertices.get(name), ConvolutionLayer.class);
            if (conv == null || !(conv.getActivationFn() instanceof ActivationIdentity)) {
                continue;
            }
            String bnName = soleConsumer(conf, name);
            BatchNormalization bn = bnName == null ? null : layer(vertices.get(bnName), BatchNormalization.class);
            if (bn == null || bn.isLockGammaBeta() || bn.getCnn2DFormat() != conv.getCnn2dDataFormat()
                    || ((LayerVertex) vertices.get(bnName)).getPreProcessor() != null
                    || conf.getNetworkOutputs().contains(bnName)) {
                continue;
            }
            folded.put(name, bnName);
            replacement.put(bnName, name);
            conv.setHasBias(true);
            String reluName = soleConsumer(conf, bnName);
            ActivationLayer relu = reluName == null ? null : layer(vertices.get(reluName), ActivationLayer.class);
            if (relu != null && FastActivationLayer.plainRelu(relu.getActivationFn())
                    && ((LayerVertex) vertices.get(reluName)).getPreProcessor() == null
                    && !conf.getNetworkOutputs().contains(reluName)) {
                conv.setActivationFn(new ActivationReLU());
                replacement.put(reluName, name);
            }
        }
        for (String removed : replacement.keySet()) {
            vertices.remove(removed);
            inputs.remove(removed);
        }
        for (List<String> in : inputs.values()) {
            in.replaceAll(v -> replacement.getOrDefault(v, v));
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);

        ComputationGraph out = new ComputationGraph(conf);
        out.init();
        for (org.deeplearning4j.nn.api.Layer l : out.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (folded.containsKey(name)) {
                foldInto(l, trained.getLayer(name), trained.getLayer(folded.get(name)));
            } else if (l.numParams() > 0) {
                l.setParams(trained.getLayer(name).params().dup());
            }
        }
        log.debug("Folded {} batch norms ({} ReLUs fused)", folded.size(), replacement.size() - folded.size());
        return out;
    }

    private static void foldInto(org.deeplearning4j.nn.api.Layer target, org.deeplearning4j.nn.api.Layer conv,
                                 org.deeplearning4j.nn.api.Layer bnLayer) {
        BatchNormalization bn = (BatchNormalization) bnLayer.conf().getLayer();
        int c = (int) ((ConvolutionLayer) conv.conf().getLayer()).getNOut();
        double[] gamma = bnLayer.getParam(BatchNormalizationParamInitializer.GAMMA).toDoubleVector();
        double[] beta = bnLayer.getParam(BatchNormalizationParamInitializer.BETA).toDoubleVector();
        double[] mean = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).toDoubleVector();
        double[] var = new double[c];
        if (bn.isUseLogStd()) {
            double[] log10std = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).toDoubleVector();
            for (int i = 0; i < c; i++) {
                var[i] = Math.pow(10, 2 * log10std[i]);
            }
        } else {
            var = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).toDoubleVector();
        }
        INDArray w = conv.getParam(ConvolutionParamInitializer.WEIGHT_KEY).castTo(DataType.DOUBLE).dup(); // [out,in,kH,kW]
        double[] oldBias = ((ConvolutionLayer) conv.conf().getLayer()).hasBias()
                ? conv.getParam(ConvolutionParamInitializer.BIAS_KEY).toDoubleVector() : new double[c];
        double[] scale = new double[c];
        double[] bias = new double[c];
        for (int i = 0; i < c; i++) {
            scale[i] = gamma[i] / Math.sqrt(var[i] + bn.getEps());
            bias[i] = (oldBias[i] - mean[i]) * scale[i] + beta[i];
        }
        INDArray wFolded = w.reshape(c, w.length() / c).mulColumnVector(Nd4j.createFromArray(scale).reshape(c, 1))
                .reshape(w.shape());
        DataType dt = target.getParam(ConvolutionParamInitializer.WEIGHT_KEY).dataType();
        target.getParam(ConvolutionParamInitializer.WEIGHT_KEY).assign(wFolded.castTo(dt));
        INDArray b = target.getParam(ConvolutionParamInitializer.BIAS_KEY);
        b.assign(Nd4j.createFromArray(bias).castTo(dt).reshape(b.shape()));
    }

    private static String soleConsumer(ComputationGraphConfiguration conf, String name) {
        if (conf.getNetworkOutputs().contains(name)) {
            return null;
        }
        String found = null;
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            for (String in : e.getValue()) {
                if (in.equals(name)) {
                    if (found != null) {
                        return null;
                    }
                    found = e.getKey();
                }
            }
        }
        return found;
    }

    private static <T extends Layer> T layer(GraphVertex v, Class<T> type) {
        if (!(v instanceof LayerVertex)) {
            return null;
        }
        Layer l = ((LayerVertex) v).getLayerConf().getLayer();
        return type.isInstance(l) ? type.cast(l) : null;
    }
}
