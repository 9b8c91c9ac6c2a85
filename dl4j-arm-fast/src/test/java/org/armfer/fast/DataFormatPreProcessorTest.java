package org.armfer.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataFormatPreProcessorTest {

    @Test
    void convertsBothWaysElementByElement() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5);
        DataFormatPreProcessor p = new DataFormatPreProcessor(CNN2DFormat.NCHW, CNN2DFormat.NHWC);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray y = p.preProcess(x, 2, mgr);
        assertArrayEquals(new long[]{2, 4, 5, 3}, y.shape());
        assertEquals('c', y.ordering());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 5; w++) {
                        assertEquals(x.getFloat(n, c, h, w), y.getFloat(n, h, w, c));
                    }
                }
            }
        }
        INDArray back = p.backprop(y, 2, mgr);
        assertEquals(x, back);
        DataFormatPreProcessor q = new DataFormatPreProcessor(CNN2DFormat.NHWC, CNN2DFormat.NCHW);
        assertEquals(x, q.preProcess(y, 2, mgr));
    }

    @Test
    void outputTypeAndJson() {
        DataFormatPreProcessor p = new DataFormatPreProcessor(CNN2DFormat.NCHW, CNN2DFormat.NHWC);
        InputType t = p.getOutputType(InputType.convolutional(7, 9, 3));
        assertEquals(InputType.convolutional(7, 9, 3, CNN2DFormat.NHWC), t);
        assertThrows(InvalidInputTypeException.class, () -> p.getOutputType(InputType.feedForward(4)));
        assertThrows(IllegalArgumentException.class,
                () -> p.preProcess(Nd4j.rand(DataType.FLOAT, 2, 3), 2, LayerWorkspaceMgr.noWorkspaces()));
        String json = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(7, 9, 3))
                .addVertex("p", new PreprocessorVertex(p), "in").setOutputs("p").build().toJson();
        assertTrue(json.contains(DataFormatPreProcessor.class.getName()));
        PreprocessorVertex v = (PreprocessorVertex) ComputationGraphConfiguration.fromJson(json).getVertices().get("p");
        assertEquals(p, v.getPreProcessor());
    }
}
