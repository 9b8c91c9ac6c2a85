package org.armfer.fast.onednn;

import org.bytedeco.dnnl.global.dnnl;

/**
 * One oneDNN post-op appended to a primitive: an element-wise function of the result, or the sum with the values
 * already in the destination (a residual addition: the destination then starts as the other operand).
 */
final class PostOp {

    final boolean sum;
    final dnnl.algorithm algorithm;
    final float alpha;
    final float beta;

    private PostOp(boolean sum, dnnl.algorithm algorithm, float alpha, float beta) {
        this.sum = sum;
        this.algorithm = algorithm;
        this.alpha = alpha;
        this.beta = beta;
    }

    static PostOp eltwise(dnnl.algorithm algorithm, float alpha, float beta) {
        return new PostOp(false, algorithm, alpha, beta);
    }

    static PostOp sum() {
        return new PostOp(true, null, 1f, 0f);
    }

    @Override
    public String toString() {
        return sum ? "sum" : algorithm + "(" + alpha + ", " + beta + ")";
    }
}
