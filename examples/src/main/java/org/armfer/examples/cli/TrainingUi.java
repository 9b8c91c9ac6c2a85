package org.armfer.examples.cli;

import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code --ui}: DL4J's training UI, for people used to it (http://localhost:9000 by default). */
final class TrainingUi {

    private static final Logger log = LoggerFactory.getLogger(TrainingUi.class);

    private TrainingUi() {
    }

    /** Starts (or reuses) DL4J's UI server with in-memory storage and returns the listener that feeds it. */
    static TrainingListener start() {
        StatsStorage storage = new InMemoryStatsStorage();
        UIServer server = UIServer.getInstance();
        server.attach(storage);
        log.info("DL4J training UI at http://localhost:{}/train", server.getPort());
        return new StatsListener(storage);
    }

    /** The listener alone, over the given storage (no server), e.g. for tests or a remote UI. */
    static TrainingListener listener(StatsStorage storage) {
        return new StatsListener(storage);
    }
}
