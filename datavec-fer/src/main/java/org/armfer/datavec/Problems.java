package org.armfer.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects bad rows and files under a policy ({@link SkipPolicy#STRICT} throws on the first) and rule exclusions. */
final class Problems {

    final SkipPolicy policy;
    final List<Problem> list = new ArrayList<>();
    final Map<String, Integer> excluded = new LinkedHashMap<>();

    Problems(SkipPolicy policy) {
        this.policy = policy;
    }

    void add(Path file, long line, String reason) {
        Problem p = new Problem(file, line, reason);
        if (policy == SkipPolicy.STRICT) {
            throw new FerDataException(p);
        }
        list.add(p);
    }

    /** A row left out by a documented rule (not a problem): counted per rule. */
    void exclude(String rule) {
        excluded.merge(rule, 1, Integer::sum);
    }
}
