package org.armfer.datavec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A seeded, stratified validation hold-out from a training split, for datasets that have no validation split of
 * their own to select models on: RAF-DB (train / test only), AffectNet (whose validation set is the test set: the
 * paper, like everyone, reports on it), Kaggle's {@code train.csv} and folder copies without a {@code valid/} folder.
 * Without it, selection (best epoch, a search's ranking) would have to use the test set.
 * <p>
 * The split is a function of the training examples (in the index's file order), the fraction and the seed only:
 * for every class with {@code n} training examples, {@code round(fraction * n)} of them (at least one when the class
 * has two or more, never all of them) are held out, chosen by a shuffle seeded by (seed, class). The same dataset
 * with the same fraction and seed gives the same hold-out in {@code train}, {@code search}, {@code ablation} and
 * Spark, whatever else differs (model, epochs, the run's own seed).
 * <p>
 * {@link #apply} gives the index the iterators read: TRAIN without the held-out examples, VALIDATION the held-out
 * ones, TEST the dataset's test split, or AffectNet's official validation set. Pass it to
 * {@link FerDataConfig.Builder#holdOut} to read through it. {@link #ids} and {@link #digest} name the examples of a
 * split (paths relative to the dataset root, with the label file's line), for a run's record.
 */
public final class HoldOutSplit {

    /** The fraction of each class held out when none is given. */
    public static final double DEFAULT_FRACTION = 0.1;
    /** The seed of the hold-out when none is given (independent of a run's own seed). */
    public static final long DEFAULT_SEED = 42;
    /** Random stream of the hold-out draw (datavec-fer's shuffle, MRR and augmentation use 1-3). */
    private static final long STREAM = 4;

    private final double fraction;
    private final long seed;

    /**
     * @param fraction the share of each class's training examples held out, in (0, 1)
     * @param seed     the seed of the draw
     */
    public HoldOutSplit(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be in (0, 1); got " + fraction);
        }
        this.fraction = fraction;
        this.seed = seed;
    }

    public double fraction() {
        return fraction;
    }

    public long seed() {
        return seed;
    }

    /**
     * Whether model selection on {@code index} needs a hold-out: it has no validation examples of its own, or it is
     * AffectNet, whose validation set serves as its test set.
     */
    public static boolean needed(DatasetIndex index) {
        return isAffectNet(index.dataset()) || index.samples(Split.VALIDATION).isEmpty();
    }

    /** The splits a config reading through a hold-out may ask for on {@code dataset}. */
    public static Set<Split> splits(FerDataset dataset) {
        Set<Split> s = EnumSet.of(Split.TRAIN, Split.VALIDATION);
        if (dataset.splits().contains(Split.TEST) || isAffectNet(dataset)) {
            s.add(Split.TEST);
        }
        return s;
    }

    private static boolean isAffectNet(FerDataset d) {
        return d == FerDataset.AFFECTNET7 || d == FerDataset.AFFECTNET8;
    }

    /**
     * The positions (into {@code train}, ascending) of the held-out examples.
     *
     * @throws IllegalArgumentException when a label is outside {@code 0..numClasses-1}
     */
    public int[] heldOut(List<Sample> train, int numClasses) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < train.size(); i++) {
            int l = train.get(i).label();
            if (l < 0 || l >= numClasses) {
                throw new IllegalArgumentException("label " + l + " of " + train.get(i).origin() + " outside 0-" + (numClasses - 1));
            }
            byClass.get(l).add(i);
        }
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            List<Integer> members = byClass.get(c);
            int n = members.size();
            if (n < 2) {
                continue; // a class of one stays in training
            }
            int k = (int) Math.max(1, Math.min(n - 1, Math.round(fraction * n)));
            Collections.shuffle(members, new Random(Seeds.mix(seed, STREAM, c)));
            out.addAll(members.subList(0, k));
        }
        Collections.sort(out);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code index} as the iterators read it through this hold-out: TRAIN without the held-out examples (in file
     * order), VALIDATION the held-out ones (in file order), TEST the test split, or for AffectNet its official
     * validation set.
     */
    public DatasetIndex apply(DatasetIndex index) {
        List<Sample> train = index.samples(Split.TRAIN);
        int[] held = heldOut(train, index.dataset().numClasses());
        boolean[] out = new boolean[train.size()];
        for (int i : held) out[i] = true;
        List<Sample> kept = new ArrayList<>(train.size() - held.length);
        List<Sample> validation = new ArrayList<>(held.length);
        for (int i = 0; i < train.size(); i++) {
            (out[i] ? validation : kept).add(train.get(i));
        }
        Map<Split, List<Sample>> samples = new EnumMap<>(Split.class);
        samples.put(Split.TRAIN, Collections.unmodifiableList(kept));
        samples.put(Split.VALIDATION, Collections.unmodifiableList(validation));
        samples.put(Split.TEST, isAffectNet(index.dataset()) ? index.samples(Split.VALIDATION) : index.samples(Split.TEST));
        // the held-back problems follow their rows: train's into train and validation, the test split's into test
        Map<Split, List<Problem>> heldBack = new EnumMap<>(Split.class);
        heldBack.put(Split.TRAIN, index.heldBack(Split.TRAIN));
        heldBack.put(Split.VALIDATION, index.heldBack(Split.TRAIN));
        heldBack.put(Split.TEST, isAffectNet(index.dataset()) ? index.heldBack(Split.VALIDATION) : index.heldBack(Split.TEST));
        return new DatasetIndex(index.dataset(), index.root(), index.layout() + " + " + this, index.layoutSplits(), samples,
                index.problems(), index.excludedByRule(), heldBack);
    }

    /** One id per example: its file relative to {@code root} (as '/'-separated text), and ":line" when it has one. */
    public static List<String> ids(Path root, List<Sample> samples) {
        List<String> out = new ArrayList<>(samples.size());
        Path r = root.toAbsolutePath().normalize();
        for (Sample s : samples) {
            Path f = s.file().toAbsolutePath().normalize();
            String name = (f.startsWith(r) ? r.relativize(f) : f).toString().replace('\\', '/');
            out.add(s.line() > 0 ? name + ":" + s.line() : name);
        }
        return out;
    }

    /** SHA-256 (hex) of {@link #ids}, one per line in the given order: the same split gives the same digest anywhere. */
    public static String digest(Path root, List<Sample> samples) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String id : ids(root, samples)) {
                md.update(id.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "hold-out " + fraction + " seed " + seed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HoldOutSplit h && h.fraction == fraction && h.seed == seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[]{fraction, seed});
    }
}
