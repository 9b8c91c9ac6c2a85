package org.armfer.examples.cli;

import org.armfer.datavec.ImagePreprocessor;
import org.armfer.train.Evaluation;
import org.armfer.train.Json;
import org.armfer.train.ModelCard;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code armfer predict}. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict the expression of one image or of every image in a folder: the top-k labels with their",
                "probabilities. Images are preprocessed as in evaluation (resize, scale, ImageNet normalisation); results do",
                "not depend on how many images are predicted together."})
public final class PredictCommand implements Callable<Integer> {

    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE_OR_FOLDER", description = "An image file, or a folder of images (jpg, png, bmp, gif).")
    Path input;

    @CommandLine.Mixin
    ModelFileOptions source;

    @Option(names = "--top-k", defaultValue = "3", description = "How many labels to show per image (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--batch", defaultValue = "16", description = "Images predicted together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the predictions to this JSON file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        org.armfer.train.ModelFiles.Loaded loaded = source.load(null);
        ComputationGraph model = loaded.model();
        ModelCard card = loaded.card();
        Cli.require(spec, topK >= 1 && topK <= card.labels.size(),
                "--top-k must be between 1 and " + card.labels.size() + "; got " + topK);
        List<Path> images = images(input);
        ImagePreprocessor pre = ImagePreprocessor.evaluation(card.channels, card.height);
        PrintWriter o = spec.commandLine().getOut();
        List<Map<String, Object>> all = new ArrayList<>();
        for (int from = 0; from < images.size(); from += batch) {
            List<Path> part = images.subList(from, Math.min(images.size(), from + batch));
            INDArray[] inputs = new INDArray[part.size()];
            for (int i = 0; i < part.size(); i++) {
                inputs[i] = pre.toInput(part.get(i));
            }
            INDArray probs = Evaluation.predict(model, Nd4j.concat(0, inputs), part.size());
            for (int i = 0; i < part.size(); i++) {
                double[] p = probs.getRow(i).toDoubleVector();
                Integer[] order = new Integer[p.length];
                for (int k = 0; k < p.length; k++) order[k] = k;
                java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
                StringBuilder line = new StringBuilder(part.get(i).toString());
                List<Map<String, Object>> top = new ArrayList<>();
                for (int k = 0; k < topK; k++) {
                    line.append(String.format(Locale.ROOT, "%s%s %.3f", k == 0 ? "  " : ", ", card.labels.get(order[k]), p[order[k]]));
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("label", card.labels.get(order[k]));
                    e.put("probability", p[order[k]]);
                    top.add(e);
                }
                o.println(line);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("image", part.get(i).toString());
                r.put("top", top);
                all.add(r);
            }
        }
        if (json != null) {
            Json.write(json, all);
        }
        return 0;
    }

    /** The image, or the folder's images sorted by name. */
    static List<Path> images(Path input) throws IOException {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException(input + " is neither an image file nor a folder");
        }
        List<Path> out;
        try (Stream<Path> s = Files.list(input)) {
            out = s.filter(Files::isRegularFile).filter(p -> IMAGE_EXTENSIONS.contains(extension(p))).sorted().toList();
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(input + " holds no images (" + IMAGE_EXTENSIONS + ")");
        }
        return out;
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
