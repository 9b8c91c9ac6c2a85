package org.armfer.layers.transformer;

/**
 * The geometry of torchvision's {@code shifted_window_attention} for one feature map {@code H x W} and window size
 * ws: the map is zero-padded at the bottom and right to {@code Hp x Wp} (multiples of ws), cyclically shifted by
 * {@code (-shiftH, -shiftW)} ({@code torch.roll}; a shift is dropped, per dimension, when the window covers the whole
 * padded dimension), and cut into {@code nW = (Hp/ws)·(Wp/ws)} windows of {@code L = ws²} tokens, window-major, each
 * window's tokens in row-major order. Everything is expressed as row indices, so the layer moves token rows with
 * one gather: {@link #windowRows} (map -> windows, padding = a zero row) and {@link #imageRows} (windows -> map, the
 * inverse: reverse shift, crop).
 */
final class SwinWindows {

    final int height;
    final int width;
    final int window;
    final int paddedHeight;
    final int paddedWidth;
    final int shiftH;
    final int shiftW;
    final int windowsDown;
    final int windowsAcross;
    final int windows;
    final int tokens;

    SwinWindows(long height, long width, int window, int shift) {
        this.height = (int) height;
        this.width = (int) width;
        this.window = window;
        this.paddedHeight = (int) ((height + window - 1) / window * window);
        this.paddedWidth = (int) ((width + window - 1) / window * window);
        // torchvision: "If window size is larger than feature size, there is no need to shift window"
        this.shiftH = window >= paddedHeight ? 0 : shift;
        this.shiftW = window >= paddedWidth ? 0 : shift;
        this.windowsDown = paddedHeight / window;
        this.windowsAcross = paddedWidth / window;
        this.windows = windowsDown * windowsAcross;
        this.tokens = window * window;
    }

    boolean shifted() {
        return shiftH + shiftW > 0;
    }

    boolean padded() {
        return paddedHeight != height || paddedWidth != width;
    }

    /**
     * For every windowed token row of n images ({@code n·nW·L} rows, image-major, then window, then token), the row of
     * the {@code [n·H·W, C]} map it holds; {@code n·H·W} (one past the end: a zero row) for padding.
     */
    int[] windowRows(int n) {
        int hw = height * width;
        int[] out = new int[n * windows * tokens];
        int p = 0;
        for (int b = 0; b < n; b++) {
            for (int wi = 0; wi < windowsDown; wi++) {
                for (int wj = 0; wj < windowsAcross; wj++) {
                    for (int ti = 0; ti < window; ti++) {
                        for (int tj = 0; tj < window; tj++) {
                            // rolled[i, j] = padded[(i + shiftH) % Hp, (j + shiftW) % Wp]
                            int i = (wi * window + ti + shiftH) % paddedHeight;
                            int j = (wj * window + tj + shiftW) % paddedWidth;
                            out[p++] = i < height && j < width ? b * hw + i * width + j : n * hw;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The inverse of {@link #windowRows} for the map's own rows: for each of the n·H·W rows, its windowed row. */
    int[] imageRows(int n) {
        int[] out = new int[n * height * width];
        int p = 0;
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < height; h++) {
                for (int w = 0; w < width; w++) {
                    int i = Math.floorMod(h - shiftH, paddedHeight);
                    int j = Math.floorMod(w - shiftW, paddedWidth);
                    int win = (i / window) * windowsAcross + j / window;
                    int tok = (i % window) * window + j % window;
                    out[p++] = (b * windows + win) * tokens + tok;
                }
            }
        }
        return out;
    }

    /** Region label of a rolled coordinate, as torchvision's slices (0, -ws), (-ws, -shift), (-shift, None) label it. */
    private static int region(int i, int padded, int window, int shift) {
        if (shift == 0) {
            return 0;
        }
        return i < padded - window ? 0 : i < padded - shift ? 1 : 2;
    }

    /**
     * torchvision's attention mask of the shifted windows, {@code [nW][L·L]}: 0 between tokens of the same region of the
     * rolled map, -100 between tokens that were not neighbours before the shift; null when nothing is shifted.
     */
    double[][] mask() {
        if (!shifted()) {
            return null;
        }
        double[][] m = new double[windows][tokens * tokens];
        for (int wi = 0; wi < windowsDown; wi++) {
            for (int wj = 0; wj < windowsAcross; wj++) {
                int[] label = new int[tokens];
                for (int ti = 0; ti < window; ti++) {
                    for (int tj = 0; tj < window; tj++) {
                        label[ti * window + tj] = region(wi * window + ti, paddedHeight, window, shiftH) * 3
                                + region(wj * window + tj, paddedWidth, window, shiftW);
                    }
                }
                double[] row = m[wi * windowsAcross + wj];
                for (int a = 0; a < tokens; a++) {
                    for (int b = 0; b < tokens; b++) {
                        row[a * tokens + b] = label[a] == label[b] ? 0.0 : -100.0;
                    }
                }
            }
        }
        return m;
    }

    /** torchvision's {@code relative_position_index}: for tokens a, b of a window, the row of the bias table. */
    static int[] relativePositionIndex(int window) {
        int l = window * window;
        int[] idx = new int[l * l];
        for (int a = 0; a < l; a++) {
            for (int b = 0; b < l; b++) {
                int dh = a / window - b / window + window - 1;
                int dw = a % window - b % window + window - 1;
                idx[a * l + b] = dh * (2 * window - 1) + dw;
            }
        }
        return idx;
    }

    /** The one-hot matrix {@code [L·L, (2ws-1)²]} that gathers the relative position bias from its table. */
    static double[][] relativePositionOneHot(int window) {
        int[] idx = relativePositionIndex(window);
        int t = (2 * window - 1) * (2 * window - 1);
        double[][] m = new double[idx.length][t];
        for (int i = 0; i < idx.length; i++) {
            m[i][idx[i]] = 1.0;
        }
        return m;
    }

    /**
     * {@code [in, out]} matrix of zero-padding a dimension of {@code in} to {@code out} and rolling it by {@code -shift}
     * (position i of the result holds input {@code (i + shift) mod out}, or 0 past the input): the SameDiff definition's
     * way of padding and shifting.
     */
    static double[][] padRollMatrix(int in, int out, int shift) {
        double[][] m = new double[in][out];
        for (int i = 0; i < out; i++) {
            int src = (i + shift) % out;
            if (src < in) {
                m[src][i] = 1.0;
            }
        }
        return m;
    }

    static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }
}
