package org.armfer.zoo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A local folder of pretrained weight files, used the way torch.hub ({@code load_state_dict_from_url(url,
 * check_hash=True)}) and DL4J's {@code ZooModel.initPretrained} use theirs: a file already in the cache is used,
 * otherwise it is downloaded; either way its SHA-256 is checked against the expected one (torch.hub names files
 * {@code <name>-<first 8 hex digits of the SHA-256>.pth}) and a mismatch is refused, naming both hashes. A download
 * goes to a temporary file in the cache folder and is moved into place only once its hash is right, so an
 * interrupted or wrong download never leaves a file that looks like the real one.
 * <p>
 * The folder is {@code ~/.armfer/weights}, or the system property {@value #DIR_PROPERTY}, or the environment
 * variable {@value #DIR_ENV}. Without network access, put the file there yourself under its name
 * ({@link PretrainedWeights#fileName()}); it is checked the same way.
 */
public final class WeightCache {

    private static final Logger log = LoggerFactory.getLogger(WeightCache.class);

    /** System property naming the cache folder (takes precedence over {@link #DIR_ENV}). */
    public static final String DIR_PROPERTY = "armfer.weights.dir";
    /** Environment variable naming the cache folder. */
    public static final String DIR_ENV = "ARMFER_WEIGHTS";
    /** Largest download accepted (a guard against a server that never stops sending). */
    static final long MAX_DOWNLOAD_BYTES = 8L << 30;

    private static final int CONNECT_TIMEOUT_MS = 20_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final Path dir;

    public WeightCache(Path dir) {
        if (dir == null) {
            throw new IllegalArgumentException("cache folder must not be null");
        }
        this.dir = dir;
    }

    /** The cache in {@value #DIR_PROPERTY}, else {@value #DIR_ENV}, else {@code ~/.armfer/weights}. */
    public static WeightCache defaultCache() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(DIR_ENV);
        }
        if (p == null || p.isBlank()) {
            return new WeightCache(Path.of(System.getProperty("user.home"), ".armfer", "weights"));
        }
        return new WeightCache(Path.of(p));
    }

    public Path dir() {
        return dir;
    }

    /** Where {@code fileName} lives in this cache (whether or not it is there yet). */
    public Path pathOf(String fileName) {
        checkFileName(fileName);
        return dir.resolve(fileName);
    }

    /** The checked local file of a registered pretrained variant, downloaded from its source if not cached yet. */
    public Path get(PretrainedWeights weights) throws IOException {
        return get(weights.source(), weights.fileName(), weights.sha256Prefix());
    }

    /**
     * The file {@code fileName} of this cache, downloaded from {@code url} (http, https or file) when it is not there;
     * its SHA-256 must start with {@code sha256} (hex: the 8 digits torch.hub file names carry, or all 64).
     *
     * @throws IOException when the hash does not match (both hashes named; a download that does not match is deleted, a
     *                     cached file is left for you to inspect), or the file is absent and cannot be downloaded
     */
    public Path get(String url, String fileName, String sha256) throws IOException {
        checkFileName(fileName);
        String expected = checkHash(sha256);
        Path target = dir.resolve(fileName);
        if (Files.isRegularFile(target)) {
            String actual = sha256(target);
            if (!actual.startsWith(expected)) {
                throw new IOException("Cached weights " + target + " have SHA-256 " + actual + ", expected " + expected
                        + (expected.length() < 64 ? "..." : "") + ": a damaged or different file. Delete it to download it again"
                        + " from " + url);
            }
            log.debug("Using cached {} (SHA-256 {})", target, actual);
            return target;
        }
        download(url, target, expected);
        return target;
    }

    private void download(String url, Path target, String expected) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString() + ".", ".part");
        try {
            log.info("Downloading {} to {}", url, target);
            MessageDigest md = sha256Digest();
            long bytes = 0;
            InputStream raw = open(url, target, expected);
            try (InputStream in = new DigestInputStream(raw, md); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                    if (bytes > MAX_DOWNLOAD_BYTES) {
                        throw new IOException("more than " + MAX_DOWNLOAD_BYTES + " bytes; not a weights file");
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                throw new IOException("Download of " + url + " failed after " + bytes + " bytes (" + e.getMessage()
                        + "); nothing was kept. Put the file at " + target + " yourself (its SHA-256 starts with " + expected + ")", e);
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.startsWith(expected)) {
                throw new IOException("Downloaded " + url + " (" + bytes + " bytes) has SHA-256 " + actual + ", expected " + expected
                        + (expected.length() < 64 ? "..." : "") + "; the download was deleted, nothing was kept");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("Downloaded {} ({} bytes, SHA-256 {})", target, bytes, actual);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static InputStream open(String url, Path target, String expected) throws IOException {
        try {
            URLConnection c = new URL(url).openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            if (c instanceof HttpURLConnection) {
                HttpURLConnection h = (HttpURLConnection) c;
                int code = h.getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    h.disconnect();
                    throw new IOException("HTTP " + code + " " + h.getResponseMessage());
                }
            }
            return c.getInputStream();
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("Cannot download " + url + " (" + e + "). Without network access, put the file at " + target
                    + " yourself (its SHA-256 starts with " + expected + "), or point -D" + DIR_PROPERTY + " / " + DIR_ENV
                    + " at a folder that holds it", e);
        }
    }

    /** The SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) > 0) {
                // the digest stream sees every byte
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    private static void checkFileName(String fileName) {
        if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\")
                || fileName.equals(".") || fileName.equals("..")) {
            throw new IllegalArgumentException("cache file name must be a plain file name; got '" + fileName + "'");
        }
    }

    private static String checkHash(String sha256) {
        String h = sha256 == null ? "" : sha256.toLowerCase(Locale.ROOT);
        if (!h.matches("[0-9a-f]{8,64}")) {
            throw new IllegalArgumentException("expected SHA-256 must be 8 to 64 hex digits (torch.hub file names carry 8); got '"
                    + sha256 + "'");
        }
        return h;
    }
}
