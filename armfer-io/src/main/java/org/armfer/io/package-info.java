/**
 * File I/O that the other armfer modules share: {@link org.armfer.io.AtomicFiles} (no half-written file is ever left
 * under a final name), {@link org.armfer.io.LimitedFiles} and {@link org.armfer.io.LineReader} (reads with a size
 * limit and a line-length limit, so a hostile or broken file fails clearly instead of filling the memory),
 * {@link org.armfer.io.Excerpt} (values from files cut to a readable length in messages) and {@link org.armfer.io.OutputLock}
 * (one run at a time in an output folder).
 */
package org.armfer.io;
