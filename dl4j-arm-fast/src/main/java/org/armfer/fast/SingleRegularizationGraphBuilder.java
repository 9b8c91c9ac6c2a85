package org.armfer.fast;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * DL4J's graph builder, whose {@link #build()} leaves every layer one copy of each regularization term. DL4J M2.1
 * gives each layer a network-wide term twice: {@code NeuralNetConfiguration.Builder} copies the network's terms into
 * the layer, then its validation ({@code LayerValidation.configureBaseLayer}) appends every term other than L1/L2
 * again, so a network-wide {@code weightDecay(c)} decays every weight by 2c and adds its score term twice. Use it in
 * place of {@code globalConfiguration.graphBuilder()}:
 * <pre>{@code
 * NeuralNetConfiguration.Builder nn = new NeuralNetConfiguration.Builder().updater(new Adam(1e-3)).weightDecay(1e-4);
 * ComputationGraphConfiguration conf = new SingleRegularizationGraphBuilder(nn).addInputs("in")...build();
 * }</pre>
 */
public class SingleRegularizationGraphBuilder extends ComputationGraphConfiguration.GraphBuilder {

    public SingleRegularizationGraphBuilder(NeuralNetConfiguration.Builder globalConfiguration) {
        super(globalConfiguration);
    }

    @Override
    public ComputationGraphConfiguration build() {
        ComputationGraphConfiguration conf = super.build();
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(distinct(layer.getRegularization()));
                layer.setRegularizationBias(distinct(layer.getRegularizationBias()));
            }
        }
        return conf;
    }

    private static List<Regularization> distinct(List<Regularization> terms) {
        return terms == null ? null : new ArrayList<>(new LinkedHashSet<>(terms));
    }
}
