package org.armfer.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sets the running GAR of every {@link SharingAffinity} layer of a graph to the exact mean, over a data set, of
 * what the layer sees at inference ({@code mean over channels and examples} of its input, BatchNorm in inference
 * mode). Use it for a model whose weights were imported without a running GAR (the reference checkpoints), or after
 * changing the layers before SA. The iterator is reset before and after.
 */
public final class GarCalibration {

    private static final Logger log = LoggerFactory.getLogger(GarCalibration.class);

    private GarCalibration() {
    }

    /** Names of the SharingAffinity vertices of a graph, in topological order. */
    public static List<String> sharingAffinityVertices(ComputationGraph graph) {
        List<String> out = new ArrayList<>();
        for (int idx : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[idx].getVertexName();
            GraphVertex v = graph.getConfiguration().getVertices().get(name);
            if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof SharingAffinity) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Calibrates every SA layer of {@code graph} over {@code data}.
     *
     * @return for each SA vertex, the calibrated running GAR (a copy)
     * @throws IllegalArgumentException when the graph has no SA layer or the iterator yields no example
     */
    public static Map<String, INDArray> calibrate(ComputationGraph graph, DataSetIterator data) {
        List<String> saVertices = sharingAffinityVertices(graph);
        if (saVertices.isEmpty()) {
            throw new IllegalArgumentException("The graph has no SharingAffinity layer to calibrate");
        }
        Map<String, String> inputOf = new LinkedHashMap<>();
        for (String sa : saVertices) {
            List<String> in = graph.getConfiguration().getVertexInputs().get(sa);
            inputOf.put(sa, in.get(0));
        }
        Map<String, INDArray> sums = new LinkedHashMap<>();
        long examples = 0;
        if (data.resetSupported()) {
            data.reset();
        }
        while (data.hasNext()) {
            DataSet ds = data.next();
            Map<String, INDArray> acts = graph.feedForward(ds.getFeatures(), false);
            for (String sa : saVertices) {
                INDArray x = acts.get(inputOf.get(sa));
                INDArray s = x.mean(true, 1).sum(true, 0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                sums.merge(sa, s, INDArray::addi);
            }
            examples += ds.getFeatures().size(0);
        }
        if (data.resetSupported()) {
            data.reset();
        }
        if (examples == 0) {
            throw new IllegalArgumentException("GAR calibration: the data iterator yielded no examples");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String sa : saVertices) {
            Layer layer = graph.getLayer(sa);
            INDArray running = layer.getParam(SharingAffinity.RUNNING_GAR);
            INDArray mean = sums.get(sa).divi(examples).castTo(running.dataType()).reshape(running.shape());
            running.assign(mean);
            out.put(sa, running.dup());
            log.info("Calibrated the running GAR of {} over {} examples", sa, examples);
        }
        return out;
    }
}
