package org.armfer.examples.cli;

import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * {@code --ui}: DL4J's training UI, for people used to it (http://localhost:9000 by default, {@code --ui-port}).
 * DL4J 1.0.0-M2.1's {@code VertxUIServer} creates its HTTP server with Vert.x's default options and
 * {@code listen(port)}, which binds every network interface (0.0.0.0): it has no bind-address setting (neither a
 * method nor a system property), so the UI is reachable from other machines unless a firewall stops it; the log line
 * and README say so. The port is checked first, so a busy port is a one-line error instead of Vert.x's stack trace.
 */
final class TrainingUi {

    private static final Logger log = LoggerFactory.getLogger(TrainingUi.class);

    private TrainingUi() {
    }

    /** A usage error for a port outside 1-65535; an IllegalStateException (exit 1) for a port in use. */
    static void requirePort(CommandLine.Model.CommandSpec spec, int port) {
        Cli.between(spec, "--ui-port", port, 1, 65535, "a TCP port");
        String busy = busy(port);
        if (busy != null) {
            throw new IllegalStateException("--ui-port " + port + ": the port is in use (" + busy + "); choose a free one"
                    + " with --ui-port, or leave out --ui");
        }
    }

    /** Null when {@code port} can be bound on every interface, as DL4J's server will; else why not. */
    static String busy(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Starts (or reuses) DL4J's UI server on {@code port} with in-memory storage and returns the listener that feeds it. */
    static TrainingListener start(int port) {
        StatsStorage storage = new InMemoryStatsStorage();
        UIServer server;
        try {
            server = VertxUIServer.getInstance(port, false, null);
        } catch (RuntimeException e) {
            throw new IllegalStateException("--ui-port " + port + ": DL4J's training UI did not start ("
                    + org.armfer.io.Excerpt.ofMessage(String.valueOf(e.getMessage()), 300) + ")", e);
        }
        server.attach(storage);
        log.info("DL4J training UI at http://localhost:{}/train (DL4J's server listens on all network interfaces, port {}:"
                + " other machines can reach it unless a firewall stops them)", server.getPort(), server.getPort());
        return new StatsListener(storage);
    }

    /** The listener alone, over the given storage (no server), e.g. for tests or a remote UI. */
    static TrainingListener listener(StatsStorage storage) {
        return new StatsListener(storage);
    }
}
