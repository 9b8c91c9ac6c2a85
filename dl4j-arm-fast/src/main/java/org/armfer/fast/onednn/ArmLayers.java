package org.armfer.fast.onednn;

import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.InvocationTargetException;
import java.util.List;

/**
 * armfer's ARM layers (module dl4j-arm-layers) as compiled operations:
 * <ul>
 *   <li>FeatureArrangement: a depth-to-space in PixelShuffle order (one strided copy);</li>
 *   <li>DeAlbino: one kxk kernel shared by every channel, a depthwise (grouped) convolution whose groups all get the
 *       same weights; the batch norm after it folds into it;</li>
 *   <li>SharingAffinity in {@code GarMode.RUNNING}: the channel mean plus the constant λ·(running GAR); before the
 *       classifier both fold into its weights and bias. {@code GarMode.BATCH} (the reference's behaviour, which mixes
 *       the images of a batch) is not compiled.</li>
 * </ul>
 * dl4j-arm-fast sits below dl4j-arm-layers (whose tests run with this module's natives listener), so it cannot
 * depend on it: the layers are recognised by class name and read through their public getters and parameter-key
 * constants, by reflection. A layer whose API differs from what is read here is reported as not compiled.
 */
final class ArmLayers {

    static final String FEATURE_ARRANGEMENT = "org.armfer.layers.FeatureArrangement";
    static final String DE_ALBINO = "org.armfer.layers.DeAlbino";
    static final String SHARING_AFFINITY = "org.armfer.layers.SharingAffinity";

    private ArmLayers() {
    }

    /** The compiled form of an ARM layer reading {@code x}, its nodes appended to {@code nodes}; null for other layers. */
    static Node lower(String name, Layer l, org.deeplearning4j.nn.api.Layer runtime, Node x, List<Node> nodes)
            throws Unsupported {
        String kind = l.getClass().getName();
        if (!kind.equals(FEATURE_ARRANGEMENT) && !kind.equals(DE_ALBINO) && !kind.equals(SHARING_AFFINITY)) {
            return null;
        }
        if (x.format != CNN2DFormat.NCHW) {
            throw new Unsupported(l.getClass().getSimpleName() + " " + name + " reads " + x.format + " values");
        }
        try {
            switch (kind) {
                case FEATURE_ARRANGEMENT: {
                    Node n = new Node.DepthToSpace(name, x, channels -> {
                        try {
                            return ((Number) call(l, "blockSizeFor", channels)).longValue();
                        } catch (ReflectiveOperationException e) {
                            throw new IllegalArgumentException("FeatureArrangement.blockSizeFor: " + e);
                        }
                    });
                    nodes.add(n);
                    return n;
                }
                case DE_ALBINO: {
                    int k = ((Number) call(l, "getKernelSize")).intValue();
                    int s = ((Number) call(l, "getStride")).intValue();
                    INDArray w = runtime.getParam(constant(l, "WEIGHT"));
                    Node.Conv c = new Node.Conv(name, x, CNN2DFormat.NCHW);
                    c.sharedKernel = true;
                    c.weights = GraphImporter.floats(w);
                    if (c.weights.length != (long) k * k) {
                        throw new Unsupported("DeAlbino " + name + " has " + c.weights.length + " weights for a " + k
                                + "x" + k + " kernel");
                    }
                    c.kernel = new int[]{k, k};
                    c.stride = new int[]{s, s};
                    nodes.add(c);
                    return c;
                }
                default: {
                    String mode = String.valueOf(call(l, "getGarMode"));
                    if (!mode.equals("RUNNING")) {
                        throw new Unsupported("SharingAffinity " + name + " in GarMode." + mode
                                + " (the batch's GAR) is not compiled");
                    }
                    INDArray lam = runtime.paramTable().get(constant(l, "LAMBDA"));
                    double lambda = lam != null ? lam.getDouble(0) : ((Number) call(l, "getLambda")).doubleValue();
                    INDArray gar = runtime.getParam(constant(l, "RUNNING_GAR")); // [1, 1, H, W]
                    if (gar.rank() != 4) {
                        throw new Unsupported("SharingAffinity " + name + ": running GAR of shape "
                                + java.util.Arrays.toString(gar.shape()));
                    }
                    Node mean = new Node.ChannelMean(name, x);
                    nodes.add(mean);
                    Node.Binary add = new Node.Binary(name, List.of(mean), dnnl.algorithm.binary_add, CNN2DFormat.NCHW);
                    float[] g = GraphImporter.floats(gar);
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) (lambda * g[i]);
                    }
                    add.constant = g;
                    add.constantShape = gar.shape().clone();
                    nodes.add(add);
                    return add;
                }
            }
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new Unsupported(l.getClass().getSimpleName() + " " + name + " does not have the API read here ("
                    + (e instanceof InvocationTargetException ? e.getCause() : e) + ")");
        }
    }

    private static Object call(Object target, String method, Object... args) throws ReflectiveOperationException {
        Class<?>[] types = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = args[i] instanceof Long ? long.class : args[i].getClass();
        }
        return target.getClass().getMethod(method, types).invoke(target, args);
    }

    private static String constant(Object target, String field) throws ReflectiveOperationException {
        return (String) target.getClass().getField(field).get(null);
    }
}
