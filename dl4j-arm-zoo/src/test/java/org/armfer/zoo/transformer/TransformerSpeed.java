package org.armfer.zoo.transformer;

import org.armfer.fast.CpuBackend;
import org.armfer.layers.impl.DirectLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Inference and training throughput of the transformer zoo models (not a test; README's figures): random 3x224x224
 * batches, 7 classes, Adam; warm-up, then timed iterations, median and range in images per second.
 * <pre>
 * java -cp ... org.armfer.zoo.transformer.TransformerSpeed vit-b16 16 5        # model, batch, timed iterations
 * java -cp ... org.armfer.zoo.transformer.TransformerSpeed samediff vit-s16 8 5 # direct layers against their SameDiff graphs, interleaved
 * </pre>
 */
public final class TransformerSpeed {

    private TransformerSpeed() {
    }

    private static String stats(List<Double> imgPerS) {
        List<Double> s = new ArrayList<>(imgPerS);
        Collections.sort(s);
        return String.format(Locale.ROOT, "median %.2f img/s (min %.2f, max %.2f, n=%d)", s.get(s.size() / 2), s.get(0),
                s.get(s.size() - 1), s.size());
    }

    public static void main(String[] args) {
        CpuBackend.configure();
        boolean compare = args[0].equals("samediff");
        int a = compare ? 1 : 0;
        String model = args[a];
        int batch = Integer.parseInt(args[a + 1]);
        int iterations = Integer.parseInt(args[a + 2]);
        ComputationGraph g = org.armfer.zoo.FerModels.init(model, 7, 224);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 7);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 7, 1.0);
        }
        DataSet d = new DataSet(x, y);
        if (compare) {
            // the same model, each step alternately through the direct layers and through their SameDiff graphs
            List<Double> direct = new ArrayList<>(), sameDiff = new ArrayList<>();
            for (int i = 0; i < iterations + 1; i++) {
                for (int k = 0; k < 2; k++) {
                    boolean sd = (i + k) % 2 == 1;
                    if (sd) {
                        System.setProperty(DirectLayer.SAMEDIFF_PROPERTY, "true");
                    } else {
                        System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
                    }
                    long t = System.nanoTime();
                    g.fit(d);
                    double ips = batch / ((System.nanoTime() - t) / 1e9);
                    if (i > 0) {
                        (sd ? sameDiff : direct).add(ips);
                    }
                }
            }
            System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
            System.out.println(model + " batch " + batch + " training, direct layers: " + stats(direct));
            System.out.println(model + " batch " + batch + " training, SameDiff graphs: " + stats(sameDiff));
            return;
        }
        List<Double> inference = new ArrayList<>(), training = new ArrayList<>();
        for (int i = 0; i < iterations + 2; i++) {
            long t = System.nanoTime();
            g.outputSingle(x);
            double inf = batch / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            g.fit(d);
            double tr = batch / ((System.nanoTime() - t) / 1e9);
            if (i >= 2) {
                inference.add(inf);
                training.add(tr);
            }
        }
        System.out.println(model + " batch " + batch + " inference: " + stats(inference));
        System.out.println(model + " batch " + batch + " training: " + stats(training));
    }
}
