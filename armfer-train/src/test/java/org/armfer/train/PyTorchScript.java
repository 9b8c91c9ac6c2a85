package org.armfer.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Python script of the test resources run with Debian's python3-torch (as the zoo's parity tests do). */
final class PyTorchScript {

    static final String PYTHON = System.getProperty("armfer.python", "/usr/bin/python3");

    private PyTorchScript() {
    }

    /** Copies resource {@code /parity/<name>} into {@code dir} and runs it there with {@code args}; fails with its output. */
    static void run(String name, Path dir, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is needed (with torch): apt-get install -y python3-torch python3-torchvision");
        }
        Path script = dir.resolve(name);
        try (InputStream in = PyTorchScript.class.getResourceAsStream("/parity/" + name)) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        boolean finished = p.waitFor(5, TimeUnit.MINUTES);
        if (!finished || p.exitValue() != 0) {
            throw new IllegalStateException(name + " failed (python3-torch installed?):\n" + new String(output, StandardCharsets.UTF_8));
        }
    }
}
