package org.armfer.fast.onednn;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** A graph of {@link Node}s in execution order (topological), with its one input and one output. */
final class Net {

    final List<Node> nodes;
    final Node.Input input;
    Node output;
    /** How DL4J holds the output when it is 4-D (null: 2-D); fixed at import, whatever the passes do. */
    final org.deeplearning4j.nn.conf.CNN2DFormat outputFormat;

    Net(List<Node> nodes, Node.Input input, Node output, org.deeplearning4j.nn.conf.CNN2DFormat outputFormat) {
        this.nodes = new ArrayList<>(nodes);
        this.input = input;
        this.output = output;
        this.outputFormat = outputFormat;
    }

    /** A copy whose nodes can be rewritten without touching this net (arrays are shared until replaced). */
    Net copy() {
        Map<Node, Node> map = new IdentityHashMap<>();
        List<Node> copies = new ArrayList<>();
        for (Node n : nodes) {
            Node c = n.copy();
            c.inputs.replaceAll(map::get);
            map.put(n, c);
            copies.add(c);
        }
        return new Net(copies, (Node.Input) map.get(input), map.get(output), outputFormat);
    }

    /** The nodes that read {@code n}. */
    List<Node> consumers(Node n) {
        List<Node> out = new ArrayList<>();
        for (Node m : nodes) {
            for (Node i : m.inputs) {
                if (i == n) {
                    out.add(m);
                    break;
                }
            }
        }
        return out;
    }

    /** Whether {@code n} is read by {@code consumer} alone (and is not the network's output). */
    boolean onlyFeeds(Node n, Node consumer) {
        if (n == output) {
            return false;
        }
        List<Node> c = consumers(n);
        return c.size() == 1 && c.get(0) == consumer && consumer.inputs.stream().filter(i -> i == n).count() == 1;
    }

    /** Replaces {@code old} by {@code by} wherever it is read (and as the output), and drops it. */
    void replace(Node old, Node by) {
        for (Node m : nodes) {
            m.inputs.replaceAll(i -> i == old ? by : i);
        }
        if (output == old) {
            output = by;
        }
        nodes.remove(old);
    }
}
