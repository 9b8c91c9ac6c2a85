package org.armfer.zoo;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/** Runs the PyTorch reference script (test resource parity/make_reference.py) with Debian's python3-torch. */
final class PyTorchReference {

    static final String PYTHON = System.getProperty("armfer.python", "/usr/bin/python3");

    private PyTorchReference() {
    }

    /** Writes weights.npz and io.npz for {@code mode} into {@code dir}; fails with what to install when torch is missing. */
    static void make(String mode, Path dir, int seed) throws IOException, InterruptedException {
        make("make_reference.py", mode, dir, seed);
    }

    /** As {@link #make(String, Path, int)} with another script of the test resources' {@code parity/} folder. */
    static void make(String scriptName, String mode, Path dir, int seed) throws IOException, InterruptedException {
        Path script = dir.resolve(scriptName);
        try (InputStream in = PyTorchReference.class.getResourceAsStream("/parity/" + scriptName)) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!new File(PYTHON).canExecute()) {
            throw new IllegalStateException("PyTorch parity tests need " + PYTHON + " with torch and torchvision: "
                    + "apt-get install -y python3-torch python3-torchvision (./run-tests and .ci/run install them)");
        }
        Process p = new ProcessBuilder(PYTHON, script.toString(), mode, dir.toString(), Integer.toString(seed))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("PyTorch reference script failed (exit " + p.exitValue() + "). If torch is missing: "
                    + "apt-get install -y python3-torch python3-torchvision\n" + output);
        }
    }

    /**
     * Runs another test-resource script {@code /parity/<script>} with Debian's python3-torch: {@code python3 script dir args...}.
     */
    static void run(String script, Path dir, String... args) throws IOException, InterruptedException {
        Path file = dir.resolve(script);
        try (InputStream in = PyTorchReference.class.getResourceAsStream("/parity/" + script)) {
            if (in == null) {
                throw new IllegalStateException("no test resource /parity/" + script);
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!new File(PYTHON).canExecute()) {
            throw new IllegalStateException("PyTorch parity tests need " + PYTHON + " with torch and torchvision: "
                    + "apt-get install -y python3-torch python3-torchvision (./run-tests and .ci/run install them)");
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(PYTHON, file.toString(), dir.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " failed (exit " + p.exitValue() + "). If torch is missing: "
                    + "apt-get install -y python3-torch python3-torchvision\n" + output);
        }
    }
}
