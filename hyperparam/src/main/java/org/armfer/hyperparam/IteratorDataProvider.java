package org.armfer.hyperparam;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Arbiter {@link DataProvider} over two iterator suppliers: each candidate gets fresh training and validation
 * iterators. (Arbiter beta7 marks {@code DataProvider} deprecated in favour of {@code DataSource}, which must be a
 * class with a no-argument constructor; suppliers keep a caller's data objects without that.) Holds the suppliers as
 * given, so it is only as serializable as they are.
 */
public final class IteratorDataProvider implements DataProvider {

    private static final long serialVersionUID = 1L;

    private final Supplier<? extends DataSetIterator> train;
    private final Supplier<? extends DataSetIterator> validation;

    public IteratorDataProvider(Supplier<? extends DataSetIterator> train, Supplier<? extends DataSetIterator> validation) {
        this.train = Objects.requireNonNull(train, "train");
        this.validation = Objects.requireNonNull(validation, "validation");
    }

    @Override
    public DataSetIterator trainData(Map<String, Object> dataParameters) {
        return Objects.requireNonNull(train.get(), "the training-data supplier returned null");
    }

    @Override
    public DataSetIterator testData(Map<String, Object> dataParameters) {
        return Objects.requireNonNull(validation.get(), "the validation-data supplier returned null");
    }

    @Override
    public Class<?> getDataType() {
        return DataSetIterator.class;
    }
}
