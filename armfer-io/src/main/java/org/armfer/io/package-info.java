/**
 * File I/O that the other armfer modules share: {@link org.armfer.io.AtomicFiles} (no half-written file is ever left
 * under a final name).
 */
package org.armfer.io;
