package org.armfer.datavec;

/** A dataset that cannot be read as asked: wrong layout, or (under {@link SkipPolicy#STRICT}) a bad row or image. */
public class FerDataException extends IllegalStateException {

    private final transient Problem problem;

    public FerDataException(String message) {
        super(message);
        this.problem = null;
    }

    public FerDataException(Problem problem) {
        super(problem + " (use the SKIP policy, --skip-bad on the command line, to skip and report bad rows instead)");
        this.problem = problem;
    }

    public FerDataException(String message, Throwable cause) {
        super(message, cause);
        this.problem = null;
    }

    /** The bad row or image, or null for a layout error. */
    public Problem problem() {
        return problem;
    }
}
