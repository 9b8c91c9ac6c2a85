/**
 * DataVec readers for facial-expression datasets, with one canonical label order ({@link org.armfer.datavec.FerLabel}).
 * <p>
 * Start with {@link org.armfer.datavec.FerIterators#iterator(FerDataset, java.nio.file.Path, Split, int, int, boolean,
 * boolean, long)} (or {@link org.armfer.datavec.FerDataConfig} for every option); check a dataset copy with
 * {@link org.armfer.datavec.DatasetCheck}; read records with {@link org.armfer.datavec.FerRecordReader}; prepare single
 * images with {@link org.armfer.datavec.ImagePreprocessor}. The module's README says where each dataset's files go.
 */
package org.armfer.datavec;
