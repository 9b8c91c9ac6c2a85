package org.armfer.examples.howto;

import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.FerRecordReader;
import org.armfer.datavec.SkipPolicy;
import org.armfer.datavec.Split;
import org.datavec.api.records.Record;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Example 4: read a FER dataset with a datavec-fer reader, the DataVec way and the one-call way.
 * <p>
 * Run it with {@code ./armfer example ReadDataset [fer2013|rafdb|affectnet8|... ROOT]}; without arguments it reads the
 * embedded demo data (synthetic faces in FER2013's format).
 */
public final class ReadDataset {

    public static void main(String[] args) throws Exception {
        FerDataset dataset = args.length >= 2 ? FerDataset.parse(args[0]) : FerDataset.DEMO;
        Path root = args.length >= 2 ? Path.of(args[1]) : DemoDataset.ensure(DemoDataset.defaultDir());

        // 1. A DataVec RecordReader over the training split: each record is [image [1, 3, 48, 48], canonical label].
        //    STRICT stops at the first bad row with its file and line; SKIP skips, counts and reports.
        FerRecordReader reader = new FerRecordReader(dataset, Split.TRAIN, 3, 48, SkipPolicy.STRICT);
        reader.initialize(new FileSplit(root.toFile()));
        Record first = reader.nextRecord();
        System.out.println("first record comes from " + first.getMetaData().getLocation() + ", label "
                + reader.getLabels().get(first.getRecord().get(1).toInt()));
        // ... and can be read again from its metadata (file + line)
        Record again = reader.loadFromMetaData(first.getMetaData());
        System.out.println("reloaded from metadata: same label " + (again.getRecord().get(1).toInt() == first.getRecord().get(1).toInt()));

        // 2. The reader works with DL4J's RecordReaderDataSetIterator (label index 1, one-hot over the classes).
        reader.reset();
        DataSetIterator viaDataVec = new RecordReaderDataSetIterator(reader, 32, 1, dataset.numClasses());
        DataSet batch = viaDataVec.next();
        System.out.println("RecordReaderDataSetIterator batch: features " + Arrays.toString(batch.getFeatures().shape())
                + ", labels " + Arrays.toString(batch.getLabels().shape()));

        // 3. The one-call factory: resize, normalise, augment (training only), minimal random resampling per epoch.
        DataSetIterator train = FerIterators.iterator(dataset, root, Split.TRAIN, 32, 48, true, true, 42);
        int[] perClass = new int[dataset.numClasses()];
        int total = 0;
        while (train.hasNext()) {
            DataSet ds = train.next();
            for (int i = 0; i < ds.numExamples(); i++) perClass[ds.getLabels().getRow(i).argMax().getInt(0)]++;
            total += ds.numExamples();
        }
        System.out.println("one MRR epoch: " + total + " images, per class " + Arrays.toString(perClass) + " " + train.getLabels());
    }
}
