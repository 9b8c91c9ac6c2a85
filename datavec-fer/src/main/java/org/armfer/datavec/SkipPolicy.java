package org.armfer.datavec;

/** What a reader does with a bad row or image: STRICT fails on the first one (naming file, line and value); SKIP skips it, counts it and reports it. */
public enum SkipPolicy {
    STRICT, SKIP
}
