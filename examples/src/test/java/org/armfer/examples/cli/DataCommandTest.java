package org.armfer.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code armfer data} on hostile and incomplete datasets (issue 21): every bad row listed when a split has none left,
 * a 50 MB bad value never echoed whole, usage errors exit 2, layouts without a validation split say what training does,
 * images that would exhaust the memory or are cut short named as bad rows, a user's files never overwritten.
 */
class DataCommandTest {

    @TempDir
    Path tmp;

    /** 2304 pixel values. */
    private static String pixels(int seed) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2304; i++) sb.append(i > 0 ? " " : "").append((seed + i) % 256);
        return sb.toString();
    }

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        return Files.writeString(f, text);
    }

    private static byte[] jpeg(int side) throws Exception {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(side);
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) img.setRGB(x, y, r.nextInt());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    private static void assertUsageError(CliRunner.Result r, String what) {
        assertEquals(2, r.exitCode(), what + "\n" + r);
        assertFalse(r.err().contains("\tat "), "stack trace for " + what + "\n" + r);
        assertFalse(r.err().isBlank(), what);
    }

    @Test
    void whenEveryRowOfAFer2013CsvIsBadTheBadRowsAreListed() throws Exception {
        Path csv = write("fer/fer2013.csv", "emotion,pixels,Usage\n3,1 2 3,Training\n9," + pixels(0) + ",PublicTest\n"
                + "x," + pixels(1) + ",PrivateTest\n");
        CliRunner.Result r = CliRunner.run("data", "--dataset", "fer2013", "--root", csv.getParent().toString());
        assertEquals(1, r.exitCode(), r.toString());
        for (String row : new String[]{csv + ":2: 3 pixel values", csv + ":3: emotion 9 out of range", csv + ":4: emotion 'x'"}) {
            assertTrue(r.out().contains(row), row + "\n" + r);
        }
        assertTrue(r.out().contains("NOT USABLE: no usable example in the train, validation, test splits; 3 bad rows"), r.toString());
        assertFalse(r.out().contains("the layout is wrong"), r.toString());
    }

    @Test
    void aFiftyMegabyteBadValueIsNeverEchoedWhole() throws Exception {
        Path csv = tmp.resolve("big").resolve("fer2013.csv");
        Files.createDirectories(csv.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.US_ASCII)) {
            w.write("emotion,pixels,Usage\n0,");
            char[] chunk = new char[1 << 20];
            Arrays.fill(chunk, '7');
            for (int i = 0; i < 50; i++) w.write(chunk);                         // line 2: one 50 MB pixel value
            w.write(",Training\n");
            w.write("y".repeat(50_000) + "," + pixels(2) + ",Training\n");       // line 3: a 50,000-character emotion
            for (String u : new String[]{"Training", "PublicTest", "PrivateTest"}) w.write("3," + pixels(3) + "," + u + "\n");
        }
        CliRunner.Result r = CliRunner.run("data", "--dataset", "fer2013", "--root", csv.getParent().toString(), "--skip-bad");
        assertEquals(0, r.exitCode(), r.toString().substring(0, Math.min(2000, r.toString().length())));
        assertTrue(r.out().length() < 5_000, "the output is " + r.out().length() + " characters");
        assertTrue(r.out().contains(csv + ":2: line of " + (50 * (1 << 20) + 11) + " characters"), r.out());
        assertTrue(r.out().contains(csv + ":3: emotion '" + "y".repeat(80) + "... (50000 chars)'"), r.out());
        CliRunner.Result json = CliRunner.run("data", "--dataset", "fer2013", "--root", csv.getParent().toString(), "--json");
        assertEquals(1, json.exitCode(), "bad rows without --skip-bad");
        assertTrue(json.out().length() < 5_000, "the JSON is " + json.out().length() + " characters");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path file = write("plain.txt", "not a folder");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path precious = write("notes.json", "{\"mine\": true}\n");
        String[][] cases = {
                {"data", "--dataset", "nope"},
                {"data", "--dataset", "fer2013"},
                {"data", "--dataset", "rafdb", "--root", tmp.resolve("missing").toString()},
                {"data", "--dataset", "rafdb", "--root", file.toString()},
                {"data", "--dataset", "rafdb", "--root", ""},
                {"data", "--bogus"},
                {"data", "--dataset", "rafdb", "--root", root.toString(), "--report", precious.toString()},
                {"data", "--dataset", "rafdb", "--root", root.toString(), "--report", root.toString()},
                // the dataset options of train and search: what would only fail once the run started
                {"train", "--dataset", "rafdb"},
                {"train", "--dataset", "fer2013", "--root", tmp.resolve("missing").toString()},
                {"search", "--dataset", "affectnet8", "--root", file.toString()},
        };
        for (String[] c : cases) assertUsageError(CliRunner.run(c), String.join(" ", c));
        assertEquals("{\"mine\": true}\n", Files.readString(precious), "a file --report did not write is left untouched");
        // a report written by data may be written again
        Path report = tmp.resolve("report.json");
        for (int i = 0; i < 2; i++) {
            CliRunner.Result r = CliRunner.run("data", "--dataset", "rafdb", "--root", root.toString(), "--report", report.toString());
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(Files.readString(report).contains("\"layoutOk\": false"), Files.readString(report));
        }
    }

    @Test
    void layoutsWithoutAValidationSplitSayWhatTrainingDoes() throws Exception {
        Path kaggle = write("kaggle/train.csv", "emotion,pixels\n3," + pixels(0) + "\n5," + pixels(1) + "\n").getParent();
        CliRunner.Result k = CliRunner.run("data", "--dataset", "fer2013", "--root", kaggle.toString());
        assertEquals(0, k.exitCode(), k.toString());
        assertTrue(k.out().contains(DataCommand.HOLD_OUT), k.toString());
        assertTrue(k.out().contains("--val-fraction"), k.toString());

        Path folders = tmp.resolve("folders");
        for (String f : new String[]{"train/happy/a.jpg", "train/sad/b.jpg", "test/sad/c.jpg"}) {
            Files.createDirectories(folders.resolve(f).getParent());
            Files.write(folders.resolve(f), jpeg(16));
        }
        CliRunner.Result f = CliRunner.run("data", "--dataset", "fer2013", "--root", folders.toString());
        assertEquals(0, f.exitCode(), f.toString());
        assertTrue(f.out().contains(DataCommand.HOLD_OUT), f.toString());

        Path full = write("full/fer2013.csv", "emotion,pixels,Usage\n3," + pixels(0) + ",Training\n3," + pixels(1)
                + ",PublicTest\n3," + pixels(2) + ",PrivateTest\n").getParent();
        CliRunner.Result all = CliRunner.run("data", "--dataset", "fer2013", "--root", full.toString());
        assertEquals(0, all.exitCode(), all.toString());
        assertFalse(all.out().contains(DataCommand.HOLD_OUT), "the files have a validation split: " + all);
    }

    @Test
    void anImageThatWouldExhaustTheMemoryOrIsCutShortIsABadRowNamingTheFile() throws Exception {
        Path aligned = Files.createDirectories(tmp.resolve("raf").resolve("Image").resolve("aligned"));
        byte[] good = jpeg(40);
        Files.write(aligned.resolve("train_00001_aligned.jpg"), good);
        Files.write(aligned.resolve("test_00001_aligned.jpg"), good);
        // a JPEG of 3 KB whose frame header claims 20000x20000
        byte[] bomb = jpeg(64);
        for (int i = 2; i + 8 < bomb.length; i++) {
            if ((bomb[i] & 0xFF) == 0xFF && (bomb[i + 1] & 0xFF) == 0xC0) {
                bomb[i + 5] = (byte) (20000 >> 8);
                bomb[i + 6] = (byte) 20000;
                bomb[i + 7] = (byte) (20000 >> 8);
                bomb[i + 8] = (byte) 20000;
                break;
            }
        }
        Path bombFile = Files.write(aligned.resolve("train_00002_aligned.jpg"), bomb);
        Path cutFile = Files.write(aligned.resolve("train_00003_aligned.jpg"), Arrays.copyOf(good, good.length / 3));
        write("raf/EmoLabel/list_patition_label.txt", "train_00001.jpg 4\ntrain_00002.jpg 5\ntrain_00003.jpg 1\ntest_00001.jpg 7\n");
        Path root = tmp.resolve("raf");

        CliRunner.Result strict = CliRunner.run("data", "--dataset", "rafdb", "--root", root.toString());
        assertEquals(1, strict.exitCode(), strict.toString());
        assertTrue(strict.out().contains(bombFile.toString()) && strict.out().contains("20000x20000"), strict.toString());
        assertTrue(strict.out().contains(cutFile.toString()) && strict.out().contains("corrupt image"), strict.toString());
        assertTrue(strict.out().contains("NOT USABLE: 2 bad rows or images"), strict.toString());
        CliRunner.Result skip = CliRunner.run("data", "--dataset", "rafdb", "--root", root.toString(), "--skip-bad");
        assertEquals(0, skip.exitCode(), skip.toString());
        assertTrue(skip.out().contains("2 problems are skipped"), skip.toString());
    }

    @Test
    void theDemoNeverOverwritesAUsersFer2013Csv() throws Exception {
        Path real = write("users/fer2013.csv", "emotion,pixels,Usage\n0," + pixels(0) + ",Training\n");
        byte[] before = Files.readAllBytes(real);
        CliRunner.Result r = CliRunner.run("data", "--dataset", "demo", "--root", real.getParent().toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains(real.toString()) && r.err().contains("left untouched"), r.toString());
        assertArrayEquals(before, Files.readAllBytes(real));
    }
}
