package org.armfer.datavec;

import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataLine;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A DataVec {@code RecordReader} over one split of a FER dataset, in file order (no shuffling, no augmentation, no
 * MRR: those are {@link FerIterators}'s): records
 * {@code [NDArrayWritable image, IntWritable canonical label]}, label index 1, for
 * {@code new RecordReaderDataSetIterator(reader, batch, 1, numClasses)}. The image is a float {@code [1, C, S, S]} array,
 * already resized and ImageNet-normalised exactly as {@link ImagePreprocessor#evaluation(int, int)} does (not 0-255), so
 * no further normaliser is needed.
 * <p>
 * Every record carries metadata that {@link #loadFromMetaData(RecordMetaData)} reads back: a
 * {@link RecordMetaDataLine} (label file and 1-based line) for CSV and list layouts, a {@link RecordMetaDataURI} (the
 * image or {@code _exp.npy} file) for folder and npy layouts.
 * <p>
 * The canonical constructor takes a {@link FerDataConfig} (dataset, root, split, channels, image size, skip policy,
 * layout; batch size and training options are not used). {@link #initialize(InputSplit)} takes a {@link FileSplit} of
 * the dataset root, or any split when the config has the root (better for large datasets: DataVec's {@code FileSplit}
 * lists every file below its directory).
 */
public class FerRecordReader extends BaseRecordReader {

    private final FerDataConfig config;
    private final FerDataset dataset;
    private Path root;
    private final Split split;
    private final SkipPolicy policy;
    private final ImagePreprocessor pre;
    private final List<Problem> problems = new ArrayList<>();
    private List<Sample> samples;
    private Map<String, Sample> byKey;
    private int cursor;
    private Record lookahead;
    private Configuration conf;

    /** The canonical constructor: everything from {@code config}. */
    public FerRecordReader(FerDataConfig config) {
        this.config = config;
        this.dataset = config.dataset();
        this.root = config.root();
        this.split = config.split();
        this.policy = config.skipPolicy();
        this.pre = ImagePreprocessor.evaluation(config.channels(), config.imageSize());
    }

    /** A reader of {@code split} at {@code root} (null: from {@link #initialize(InputSplit)}), layout detected. */
    public FerRecordReader(FerDataset dataset, Path root, Split split, int channels, int imageSize, SkipPolicy policy) {
        this(FerDataConfig.builder().dataset(dataset).root(root).split(split).channels(channels).imageSize(imageSize)
                .skipPolicy(policy).build());
    }

    /** A reader whose root comes from {@link #initialize(InputSplit)}. */
    public FerRecordReader(FerDataset dataset, Split split, int channels, int imageSize, SkipPolicy policy) {
        this(dataset, null, split, channels, imageSize, policy);
    }

    @Override
    public void initialize(InputSplit inputSplit) throws IOException {
        if (inputSplit instanceof FileSplit fs && fs.getRootDir() != null) {
            root = fs.getRootDir().toPath();
        }
        if (root == null && dataset != FerDataset.DEMO) {
            throw new IllegalArgumentException("FerRecordReader needs the dataset root: pass it to the constructor or"
                    + " initialize with new FileSplit(rootDir)");
        }
        DatasetIndex index = FerIterators.index(dataset, root, policy, config.options());
        index.requireReadable(split);
        samples = index.samples(split);
        problems.clear();
        problems.addAll(index.problems());
        byKey = new HashMap<>();
        for (Sample s : samples) byKey.put(key(s.file().toUri(), s.line()), s);
        reset();
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) throws IOException {
        this.conf = conf;
        initialize(split);
    }

    private static String key(URI uri, long line) {
        return uri + "#" + line;
    }

    private void requireInit() {
        if (samples == null) {
            throw new IllegalStateException("FerRecordReader: call initialize(...) first");
        }
    }

    private Record load(Sample s) {
        float[] img = pre.apply(s.image().load(), null);
        INDArray arr = Nd4j.create(img, new long[]{1, pre.channels(), pre.size(), pre.size()}, 'c');
        List<Writable> rec = List.of(new NDArrayWritable(arr), new IntWritable(s.label()));
        RecordMetaData meta = s.line() > 0
                ? new RecordMetaDataLine((int) s.line(), s.file().toUri(), FerRecordReader.class)
                : new RecordMetaDataURI(s.file().toUri(), FerRecordReader.class);
        return new org.datavec.api.records.impl.Record(rec, meta);
    }

    private void advance() {
        lookahead = null;
        while (lookahead == null && cursor < samples.size()) {
            Sample s = samples.get(cursor++);
            try {
                lookahead = load(s);
            } catch (FerDataException e) {
                Problem p = new Problem(s.file(), s.line(), e.problem() != null ? e.problem().reason() + " (" + e.problem().file() + ")" : e.getMessage());
                if (policy == SkipPolicy.STRICT) {
                    throw new FerDataException(p);
                }
                problems.add(p);
            }
        }
    }

    @Override
    public Record nextRecord() {
        requireInit();
        if (lookahead == null) {
            throw new NoSuchElementException("No more records in the " + split.cliName() + " split");
        }
        Record r = lookahead;
        advance();
        invokeListeners(r.getRecord());
        return r;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public boolean hasNext() {
        requireInit();
        return lookahead != null;
    }

    @Override
    public List<String> getLabels() {
        return FerLabel.names(dataset.numClasses());
    }

    @Override
    public void reset() {
        requireInit();
        cursor = 0;
        advance();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        throw new UnsupportedOperationException("FerRecordReader reads whole datasets; for one image use ImagePreprocessor.toInput");
    }

    @Override
    public Record loadFromMetaData(RecordMetaData meta) throws IOException {
        requireInit();
        long line = meta instanceof RecordMetaDataLine l ? l.getLineNumber() : 0;
        Sample s = byKey.get(key(meta.getURI(), line));
        if (s == null) {
            throw new IOException("No record of the " + split.cliName() + " split at " + meta.getLocation());
        }
        return load(s);
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> metas) throws IOException {
        List<Record> out = new ArrayList<>();
        for (RecordMetaData m : metas) out.add(loadFromMetaData(m));
        return out;
    }

    /** Rows and images skipped so far under SKIP. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** Number of records in the split (before load-time problems). */
    public int size() {
        requireInit();
        return samples.size();
    }

    @Override
    public void close() {
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }
}
