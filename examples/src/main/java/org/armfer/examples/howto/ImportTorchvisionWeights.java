package org.armfer.examples.howto;

import org.armfer.zoo.Npz;
import org.armfer.zoo.PretrainedWeights;
import org.armfer.zoo.ResNet18;
import org.armfer.zoo.ResNet18Arm;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Example 3: start ResNet-18-ARM from torchvision's ImageNet-pretrained ResNet-18 (the usual starting point).
 * <p>
 * Run it with {@code ./armfer example ImportTorchvisionWeights [resnet18-f37072fd.pth | torchvision-resnet18-imagenet]}.
 * Without an argument it first writes a stand-in file in torchvision's format (this machine may not reach
 * download.pytorch.org); with torchvision's {@code .pth} (or a {@code .npz} of it) it loads the real weights, and with
 * the registered name it fetches them into {@code ~/.armfer/weights} first (once; SHA-256 checked).
 */
public final class ImportTorchvisionWeights {

    public static void main(String[] args) throws Exception {
        // TorchWeights reads torch.save's .pth directly; PretrainedWeights knows where torchvision's lie and their hash.
        PretrainedWeights imagenet = PretrainedWeights.TORCHVISION_RESNET18_IMAGENET;
        System.out.println("torchvision's weights: " + imagenet.source() + " (--weights " + imagenet.id() + ")");

        Path npz;
        if (args.length > 0 && PretrainedWeights.find(args[0]).isPresent() && !Files.exists(Path.of(args[0]))) {
            npz = PretrainedWeights.find(args[0]).get().fetch();    // cached in ~/.armfer/weights, hash checked
        } else if (args.length > 0) {
            npz = Path.of(args[0]);                                  // .pth, .pt or .npz
        } else {
            // A stand-in with torchvision's keys and shapes: the state dict of a fresh ResNet18 (GAP head).
            npz = Files.createTempFile("resnet18-standin", ".npz");
            Npz.write(npz, TorchWeights.export(ResNet18.builder().numClasses(1000).build().init()));
            System.out.println("wrote a stand-in state dict to " + npz);
        }

        // 1. The model to train: ResNet-18 with ARM in place of GAP, a new 7-class classifier.
        ComputationGraph model = ResNet18Arm.builder().numClasses(7).build().init();

        // 2. One call loads the backbone (conv1, bn1, layer1-4) and leaves ARM and fc as initialised. It is strict:
        //    a missing or unused backbone key, or a shape mismatch, fails with the key and both shapes.
        TorchWeights.Report report = TorchWeights.loadBackbone(model, npz);
        System.out.printf("loaded %d tensors into %d vertices; skipped (not backbone): %s%n",
                report.loaded().size(), report.vertices().size(), report.skipped());
        System.out.println("first entries: " + report.loaded().entrySet().stream().limit(4).toList());

        // 3. Train as usual (or: ./armfer train --weights torchvision-resnet18-imagenet ...).
        if (args.length == 0) {
            Files.deleteIfExists(npz);
        }
    }
}
