package org.armfer.hyperparam;

/** What became of a candidate. */
public enum SearchStatus {
    /** Trained and scored (for an {@link ArmCandidate}: valid, ready to train). */
    OK,
    /** Impossible geometry or settings: never trained; the reason says which parameter and why. */
    INVALID,
    /** Training, evaluation or building failed; the reason holds the error. */
    FAILED
}
