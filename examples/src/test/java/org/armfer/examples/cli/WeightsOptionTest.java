package org.armfer.examples.cli;

import org.armfer.zoo.PretrainedWeights;
import org.armfer.zoo.WeightCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --weights} with registered names: unknown names are usage errors, a wrong hash in the cache is refused. */
class WeightsOptionTest {

    @Test
    void anUnknownNameIsAUsageErrorListingTheRegisteredOnes(@TempDir Path tmp) {
        CliRunner.Result r = CliRunner.run("train", "--dataset", "demo", "--root", tmp.toString(), "--weights", "resnet18-imagenet");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("torchvision-resnet18-imagenet") && r.err().contains("resnet18-f37072fd.pth"), r.toString());
    }

    @Test
    void aCachedFileWithTheWrongHashIsRefusedWithBothHashes(@TempDir Path tmp) throws Exception {
        PretrainedWeights w = PretrainedWeights.TORCHVISION_RESNET18_IMAGENET;
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        org.armfer.datavec.DemoDataset.ensure(tmp.resolve("demo")); // a dataset that exists: the weights are what fails
        byte[] junk = "a truncated download".getBytes(StandardCharsets.US_ASCII);
        Files.write(cache.resolve(w.fileName()), junk);
        String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(junk));
        String old = System.getProperty(WeightCache.DIR_PROPERTY);
        System.setProperty(WeightCache.DIR_PROPERTY, cache.toString());
        try {
            for (String name : new String[]{w.id(), w.fileName()}) {
                CliRunner.Result r = CliRunner.run("train", "--dataset", "demo", "--root", tmp.resolve("demo").toString(),
                        "--weights", name, "--out", tmp.resolve("run").toString());
                assertEquals(1, r.exitCode(), r.toString());
                assertTrue(r.err().contains(actual) && r.err().contains("expected " + w.sha256Prefix()), r.toString());
                assertTrue(!Files.exists(tmp.resolve("run").resolve("model.zip")), "nothing trained");
            }
        } finally {
            if (old == null) System.clearProperty(WeightCache.DIR_PROPERTY);
            else System.setProperty(WeightCache.DIR_PROPERTY, old);
        }
    }
}
