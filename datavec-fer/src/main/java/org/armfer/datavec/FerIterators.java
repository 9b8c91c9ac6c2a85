package org.armfer.datavec;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one factory call for a ready {@link DataSetIterator} over a dataset split. */
public final class FerIterators {

    /**
     * Indexes by (dataset, root, policy, layout options, modification times two levels deep), so that a new iterator
     * per epoch (or per split) does not re-read a 300 MB CSV, while an edited label file is read again.
     */
    private static final Map<String, DatasetIndex> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DatasetIndex> e) {
            return size() > 4;
        }
    };

    private FerIterators() {
    }

    /**
     * An iterator over {@code split} of {@code dataset} at {@code root} (null root for {@code demo}: the default demo
     * directory): features {@code [N, 3, S, S]} float, ImageNet-normalised, one-hot labels {@code [N, numClasses]} in
     * the canonical order; batches of {@code batchSize} (the last one may be smaller); layout detected, STRICT.
     * {@code augment} and {@code mrr} only ever apply to the training split, which is also the only one shuffled.
     * {@code reset()} starts a new epoch (fresh shuffle, MRR draw and augmentation), deterministic given the seed and
     * the number of resets.
     */
    public static DataSetIterator iterator(FerDataset dataset, Path root, Split split, int batchSize, int imageSize,
                                           boolean augment, boolean mrr, long seed) {
        return iterator(FerDataConfig.builder().dataset(dataset).root(root).split(split).batchSize(batchSize)
                .imageSize(imageSize).augment(augment).mrr(mrr).seed(seed).build());
    }

    /**
     * An iterator with every option of {@link FerDataConfig}. The returned iterator is a {@link FerDataSetIterator}
     * ({@code epochSize()}, {@code problems()}).
     */
    public static DataSetIterator iterator(FerDataConfig c) {
        DatasetIndex index = index(c.dataset(), c.root(), c.skipPolicy(), c.options());
        return new FerDataSetIterator(c.holdOut() == null ? index : c.holdOut().apply(index), c);
    }

    /** The (cached) index of a dataset root, layout detected. */
    public static DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy) {
        return index(dataset, root, policy, LayoutOptions.AUTO);
    }

    /** The (cached) index of a dataset root as {@code config} says (dataset, root, skip policy, layout, folder names). */
    public static DatasetIndex index(FerDataConfig config) {
        return index(config.dataset(), config.root(), config.skipPolicy(), config.options());
    }

    /** The root a config reads: its own, or for {@link FerDataset#DEMO} without one the written {@link DemoDataset#defaultDir()}. */
    static Path resolveRoot(FerDataset dataset, Path root) {
        Path r = root == null && dataset == FerDataset.DEMO ? DemoDataset.defaultDir() : root;
        if (r == null) {
            throw new IllegalArgumentException("A dataset root is required for " + dataset.cliName());
        }
        r = r.toAbsolutePath().normalize();
        if (dataset == FerDataset.DEMO) {
            DemoDataset.ensure(r);
        }
        return r;
    }

    static synchronized DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy, LayoutOptions options) {
        Path r = resolveRoot(dataset, root);
        String key = dataset + "|" + r + "|" + policy + "|" + options.key() + "|" + stamp(r);
        DatasetIndex index = CACHE.get(key);
        if (index == null) {
            index = DatasetIndexer.index(dataset, r, policy, options);
            CACHE.put(key, index);
        }
        return index;
    }

    /**
     * Modification times and sizes of the root's children and grandchildren (where every layout keeps its label files:
     * {@code fer2013.csv}, {@code EmoLabel/...}, {@code Manually_Annotated_file_lists/...}, {@code train/<class>}):
     * a changed label file invalidates the cache.
     */
    private static String stamp(Path root) {
        StringBuilder sb = new StringBuilder();
        stamp(root, 2, sb);
        return Integer.toHexString(sb.toString().hashCode()) + ":" + sb.length();
    }

    private static void stamp(Path dir, int depth, StringBuilder sb) {
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                sb.append(p.getFileName()).append('@').append(a.lastModifiedTime().toMillis()).append('/').append(a.size()).append(';');
                if (depth > 1 && a.isDirectory()) {
                    sb.append('[');
                    stamp(p, depth - 1, sb);
                    sb.append(']');
                }
            }
        } catch (java.io.IOException e) {
            sb.append("?;");
        }
    }
}
