package org.armfer.io;

import java.nio.file.Path;

/** Run in a child JVM by {@link OutputLockTest}: takes the lock on args[0], says so, then waits to be killed. */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        OutputLock lock = OutputLock.acquire(Path.of(args[0]));
        System.out.println("locked " + lock.dir());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
