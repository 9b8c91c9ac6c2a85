package org.armfer.fast.testing;

import org.armfer.fast.CpuBackend;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Selects the fastest CPU natives (see {@link CpuBackend}) before any test touches ND4J. Registered through
 * META-INF/services in this module's test jar, which the other modules' tests depend on.
 */
public class FastNativesSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        CpuBackend.configure();
    }
}
