/**
 * Facial expression recognition on real photos and video: face detection behind {@link org.armfer.vision.FaceDetector}
 * (OpenCV's cascades from the OpenCV jar, {@link org.armfer.vision.CascadeFaceDetector}; OpenCV's YuNet from an ONNX
 * file, {@link org.armfer.vision.YuNetFaceDetector}), square face crops preprocessed as the model was trained
 * ({@link org.armfer.vision.ModelInput}), one forward pass for all faces of an image or of several video frames
 * ({@link org.armfer.vision.FaceExpressionPredictor}), annotated copies ({@link org.armfer.vision.FaceAnnotator}),
 * video files and webcams through JavaCV/FFmpeg ({@link org.armfer.vision.VideoPredictor}), and the results as JSON
 * and CSV ({@link org.armfer.vision.PredictionFiles}).
 */
package org.armfer.vision;
