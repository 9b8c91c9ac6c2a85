package org.armfer.fast.onednn;

/**
 * Why a graph, or one input shape of it, is not compiled to oneDNN primitives; {@link OneDnnInference} then runs
 * DL4J's own {@code output()} and logs the reason at debug level. Carries no stack trace: it is an answer, not a fault.
 */
final class Unsupported extends Exception {

    private static final long serialVersionUID = 1L;

    Unsupported(String reason) {
        super(reason, null, false, false);
    }
}
