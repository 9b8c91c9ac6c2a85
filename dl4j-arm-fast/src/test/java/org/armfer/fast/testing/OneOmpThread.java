package org.armfer.fast.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Runs a test class's ND4J ops on one OpenMP thread and restores the thread count afterwards
 * ({@code @ExtendWith(OneOmpThread.class)}). For tests of small graphs, whose ops take microseconds: there libnd4j's
 * threads mostly wait for each other, which on a machine shared with other work made a tiny transformer's epoch take
 * 35 s instead of 3 s. Results do not depend on it.
 */
public final class OneOmpThread implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OneOmpThread.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Nd4j.getExecutioner();   // loads the backend, which NativeOpsHolder needs
        context.getStore(NS).put("threads", NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Integer threads = context.getStore(NS).get("threads", Integer.class);
        if (threads != null) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        }
    }
}
