package org.armfer.layers.impl;

import java.io.PrintStream;

/**
 * Runs an action with {@link System#out} filtered so that ND4J 1.0.0-M2.1's "Added differentiated op ..." lines
 * (SameDiff.createGradFunction prints one per op) are dropped; every other line passes through unchanged.
 * The original stream is restored afterwards, also when the action throws.
 */
public final class StdoutFilter {

    static final String SAMEDIFF_GRAD_PREFIX = "Added differentiated op ";
    private static final Object LOCK = new Object();

    private StdoutFilter() {
    }

    public static void run(Runnable action) {
        synchronized (LOCK) {
            PrintStream original = System.out;
            System.setOut(new Filtering(original));
            try {
                action.run();
            } finally {
                System.setOut(original);
            }
        }
    }

    private static final class Filtering extends PrintStream {
        private final PrintStream target;

        Filtering(PrintStream target) {
            super(target, true);
            this.target = target;
        }

        @Override
        public void println(String line) {
            if (line == null || !line.startsWith(SAMEDIFF_GRAD_PREFIX)) {
                target.println(line);
            }
        }
    }
}
