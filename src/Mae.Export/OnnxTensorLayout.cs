namespace Mae.Export;

/// <summary>The shapes of an exported model's input and outputs: a batch of rows per run, or one row.</summary>
public enum OnnxTensorLayout
{
    /// <summary>
    /// A batch of rows per run: the input is [batch, width] and every output [batch, width], with a symbolic batch
    /// dimension named <c>batch</c>. The default, for apps that call ONNX Runtime themselves.
    /// </summary>
    Batch,

    /// <summary>
    /// One row per run: the input is [1, width] and every output a vector [width]. For hosts that score one row at a
    /// time and type each output after its shape, such as ML.NET's ONNX transformer, which makes an output [d] a
    /// <c>Vector&lt;Single, d&gt;</c> column (and an output [batch, d] a <c>Vector&lt;Single, 1, d&gt;</c> one). The input
    /// keeps its leading dimension of 1 because that transformer passes a scalar column (a Single or a key) as a
    /// [1, 1] tensor whatever the model declares, while it shapes a vector column after the declared input, so an
    /// input [1, width] takes both.
    /// </summary>
    SingleRow,
}
