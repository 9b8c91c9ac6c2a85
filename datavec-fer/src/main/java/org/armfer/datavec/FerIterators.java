package org.armfer.datavec;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one factory call for a ready {@link DataSetIterator} over a dataset split. */
public final class FerIterators {

    /** Indexes by (dataset, root, policy, label file times), so that a new iterator per epoch does not re-read the CSVs. */
    private static final Map<String, DatasetIndex> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DatasetIndex> e) {
            return size() > 4;
        }
    };

    private FerIterators() {
    }

    /**
     * An iterator over {@code split} of {@code dataset} at {@code root} (null root for {@code demo}): features
     * {@code [N, 3, S, S]} normalised, one-hot labels in the canonical order. {@code augment} and {@code mrr} only ever
     * apply to the training split. {@code reset()} starts a new epoch (fresh shuffle, MRR draw and augmentation),
     * deterministic given the seed and the number of resets.
     */
    public static DataSetIterator iterator(FerDataset dataset, Path root, Split split, int batchSize, int imageSize,
                                           boolean augment, boolean mrr, long seed) {
        return iterator(FerDataConfig.builder().dataset(dataset).root(root).split(split).batchSize(batchSize)
                .imageSize(imageSize).augment(augment).mrr(mrr).seed(seed).build());
    }

    public static DataSetIterator iterator(FerDataConfig c) {
        DatasetIndex index = index(c.dataset(), c.root(), c.skipPolicy());
        return new FerDataSetIterator(index, c);
    }

    /** The (cached) index of a dataset root. */
    public static synchronized DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy) {
        Path r = root == null && dataset == FerDataset.DEMO ? DemoDataset.ensure(DemoDataset.defaultDir()) : root;
        if (r == null) {
            throw new IllegalArgumentException("A dataset root is required for " + dataset.cliName());
        }
        r = r.toAbsolutePath().normalize();
        if (dataset == FerDataset.DEMO) {
            DemoDataset.ensure(r);
        }
        String key = dataset + "|" + r + "|" + policy + "|" + stamp(r);
        DatasetIndex index = CACHE.get(key);
        if (index == null) {
            index = Layouts.index(dataset, r, policy);
            CACHE.put(key, index);
        }
        return index;
    }

    /** Modification times of the root and its direct children: a changed label file invalidates the cache. */
    private static String stamp(Path root) {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(root)) {
            s.sorted().forEach(p -> {
                try {
                    sb.append(p.getFileName()).append('@').append(Files.getLastModifiedTime(p).toMillis()).append(';');
                } catch (java.io.IOException e) {
                    sb.append(p.getFileName()).append("@?;");
                }
            });
        } catch (java.io.IOException e) {
            return "?";
        }
        return sb.toString();
    }
}
