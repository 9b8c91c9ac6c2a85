package org.armfer.hyperparam;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** Tiny generated image-classification data: class c has a bright patch in its own place, plus noise. */
final class TestData {

    private TestData() {
    }

    /** {@code n} examples [channels, side, side], labels cycling through the classes (so every class is present). */
    static DataSet images(int n, int classes, int channels, int side, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, channels, side, side);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        int patch = Math.max(1, side / 3);
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            y.putScalar(i, c, 1.0);
            int row = (c * patch) % Math.max(1, side - patch + 1);
            int col = (c * 2 * patch) % Math.max(1, side - patch + 1);
            for (int ch = 0; ch < channels; ch++) {
                for (int h = 0; h < side; h++) {
                    for (int w = 0; w < side; w++) {
                        double v = 0.1 * r.nextGaussian();
                        if (h >= row && h < row + patch && w >= col && w < col + patch) {
                            v += 1.0;
                        }
                        x.putScalar(new long[]{i, ch, h, w}, v);
                    }
                }
            }
        }
        return new DataSet(x, y);
    }

    /** A supplier of fresh iterators over the same examples. */
    static Supplier<DataSetIterator> supplier(DataSet data, int batch) {
        List<DataSet> list = data.asList();
        return () -> new ListDataSetIterator<>(list, batch);
    }
}
