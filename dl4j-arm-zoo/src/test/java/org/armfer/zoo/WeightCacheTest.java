package org.armfer.zoo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weight cache with {@code file:} URLs: download into place with the hash checked, cached files used (and
 * checked) without the source, wrong hashes refused naming both, nothing partial left behind.
 */
class WeightCacheTest {

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A small real .pth (a hand-made torch zip archive with one tensor) as the "remote" file. */
    static Path remotePth(Path dir) throws IOException {
        return TorchPthTest.handMade(dir.resolve("remote.pth"), 6, 1, 3, 2, 6);
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsOnceWithTheHashCheckedThenUsesTheCachedFile(@TempDir Path tmp) throws Exception {
        Path remote = remotePth(tmp);
        byte[] bytes = Files.readAllBytes(remote);
        String hash = sha256(bytes);
        String name = "tiny-" + hash.substring(0, 8) + ".pth";
        WeightCache cache = new WeightCache(tmp.resolve("cache"));
        Path got = cache.get(remote.toUri().toString(), name, hash.substring(0, 8));
        assertEquals(tmp.resolve("cache").resolve(name), got);
        assertArrayEquals(bytes, Files.readAllBytes(got), "the cached file is the remote file");
        assertEquals(List.of(name), files(tmp.resolve("cache")), "no partial file left");
        // what the cache holds is a loadable .pth
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> sd = TorchWeights.readStateDict(got);
        assertArrayEquals(new float[]{2, 4, 6}, sd.get("w").toFloatVector());

        // the second time the source is not needed; the full 64-digit hash works too
        Files.delete(remote);
        assertEquals(got, cache.get(remote.toUri().toString(), name, hash));
    }

    @Test
    void aDownloadWithTheWrongHashIsRefusedAndNotKept(@TempDir Path tmp) throws Exception {
        Path remote = remotePth(tmp);
        String hash = sha256(Files.readAllBytes(remote));
        WeightCache cache = new WeightCache(tmp.resolve("cache"));
        IOException e = assertThrows(IOException.class,
                () -> cache.get(remote.toUri().toString(), "tiny-0badc0de.pth", "0badc0de"));
        assertTrue(e.getMessage().contains(hash) && e.getMessage().contains("expected 0badc0de"), e.getMessage());
        assertEquals(List.of(), files(tmp.resolve("cache")), "nothing kept, no partial file");
    }

    @Test
    void aCachedFileWithTheWrongHashIsRefusedNamingBothHashes(@TempDir Path tmp) throws Exception {
        // a damaged copy under a registered variant's torch.hub name: refused without any download
        PretrainedWeights w = PretrainedWeights.TORCHVISION_RESNET18_IMAGENET;
        Path cacheDir = Files.createDirectories(tmp.resolve("cache"));
        byte[] junk = "not the ImageNet weights".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(cacheDir.resolve(w.fileName()), junk);
        IOException e = assertThrows(IOException.class, () -> new WeightCache(cacheDir).get(w));
        assertTrue(e.getMessage().contains(sha256(junk)) && e.getMessage().contains("expected " + w.sha256Prefix())
                && e.getMessage().contains(w.fileName()), e.getMessage());
        assertTrue(Files.exists(cacheDir.resolve(w.fileName())), "a cached file is left for the user to inspect");
    }

    @Test
    void anUnreachableSourceSaysWhereToPutTheFile(@TempDir Path tmp) {
        WeightCache cache = new WeightCache(tmp.resolve("cache"));
        String url = tmp.resolve("nowhere.pth").toUri().toString();
        IOException e = assertThrows(IOException.class, () -> cache.get(url, "x-12345678.pth", "12345678"));
        assertTrue(e.getMessage().contains(url) && e.getMessage().contains(tmp.resolve("cache").resolve("x-12345678.pth").toString()),
                e.getMessage());
    }

    @Test
    void badArgumentsAreRejected(@TempDir Path tmp) {
        WeightCache cache = new WeightCache(tmp);
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> cache.get("file:/x", "../x.pth", "12345678"));
        assertTrue(name.getMessage().contains("'../x.pth'"), name.getMessage());
        IllegalArgumentException hash = assertThrows(IllegalArgumentException.class, () -> cache.get("file:/x", "x.pth", "xyz"));
        assertTrue(hash.getMessage().contains("'xyz'"), hash.getMessage());
    }

    @Test
    void theDefaultFolderFollowsTheSystemProperty(@TempDir Path tmp) {
        String old = System.getProperty(WeightCache.DIR_PROPERTY);
        try {
            System.setProperty(WeightCache.DIR_PROPERTY, tmp.toString());
            assertEquals(tmp, WeightCache.defaultCache().dir());
            System.clearProperty(WeightCache.DIR_PROPERTY);
            if (System.getenv(WeightCache.DIR_ENV) == null) {
                assertEquals(Path.of(System.getProperty("user.home"), ".armfer", "weights"), WeightCache.defaultCache().dir());
            }
        } finally {
            if (old == null) System.clearProperty(WeightCache.DIR_PROPERTY);
            else System.setProperty(WeightCache.DIR_PROPERTY, old);
        }
    }

    @Test
    void registeredVariantsAreFoundByIdAndByFileName() {
        PretrainedWeights w = PretrainedWeights.TORCHVISION_RESNET18_IMAGENET;
        assertEquals("torchvision-resnet18-imagenet", w.id());
        assertEquals("resnet18-f37072fd.pth", w.fileName());
        assertEquals(w, PretrainedWeights.find("torchvision-resnet18-imagenet").orElseThrow());
        assertEquals(w, PretrainedWeights.find("resnet18-f37072fd.pth").orElseThrow());
        assertFalse(PretrainedWeights.find("resnet18").isPresent());
        assertTrue(PretrainedWeights.ids().contains("torchvision-resnet34-imagenet"), PretrainedWeights.ids().toString());
        for (PretrainedWeights v : PretrainedWeights.values()) {
            assertTrue(v.fileName().endsWith("-" + v.sha256Prefix() + ".pth"), v + ": torch.hub's name carries the hash prefix");
            assertEquals(v, PretrainedWeights.find(v.id()).orElseThrow(), v.id());
        }
    }
}
