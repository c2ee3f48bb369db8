using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The trainer in transcoder mode (encoder reads x without b_dec, decoder predicts a separate y) against PyTorch
/// autograd (tests/reference/make_transcoder_train_golden.py): loss and every parameter gradient of one step.
/// </summary>
public sealed class TranscoderTrainingTests
{
    private const int DIn = 16, DSae = 48, Rows = 32;

    [Theory]
    [InlineData("standard", SaeArchitecture.Standard, 0.7f)]
    [InlineData("topk", SaeArchitecture.TopK, 0f)]
    [InlineData("jumprelu", SaeArchitecture.JumpRelu, 0.3f)]
    public void ComputeGradients_Transcoder_MatchesAutograd(string arch, SaeArchitecture architecture, float coefficient)
    {
        using var golden = SafetensorsFile.Open(Golden.Path("transcoder_train_golden.safetensors"));
        var init = new SaeParameters
        {
            WEnc = golden.ReadFloat32($"{arch}/init/W_enc"),
            WDec = golden.ReadFloat32($"{arch}/init/W_dec"),
            BEnc = golden.ReadFloat32($"{arch}/init/b_enc"),
            BDec = golden.ReadFloat32($"{arch}/init/b_dec"),
            Threshold = architecture == SaeArchitecture.JumpRelu ? golden.ReadFloat32($"{arch}/init/threshold") : null,
        };
        var options = new SaeTrainingOptions
        {
            Architecture = architecture, DSae = DSae, Steps = 10, K = 6, L1Coefficient = coefficient, L0Coefficient = coefficient,
            Bandwidth = 0.1f, NormalizeDecoder = false, Transcoder = true, AuxCoefficient = 0,
        };
        var trainer = SaeTrainer.FromParameters(options, DIn, init);
        var (loss, _, _, _, _) = trainer.ComputeGradients(golden.ReadFloat32($"{arch}/x"), golden.ReadFloat32($"{arch}/y"), Rows);

        var expected = golden.ReadFloat32($"{arch}/loss")[0];
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Abs(expected), $"loss {loss}, expected {expected}");
        var g = trainer.LastGradients();
        TestData.AssertClose(golden.ReadFloat32($"{arch}/grad/W_enc"), g.WEnc, 1e-4, "W_enc");
        TestData.AssertClose(golden.ReadFloat32($"{arch}/grad/W_dec"), g.WDec, 1e-4, "W_dec");
        TestData.AssertClose(golden.ReadFloat32($"{arch}/grad/b_enc"), g.BEnc!, 1e-4, "b_enc");
        TestData.AssertClose(golden.ReadFloat32($"{arch}/grad/b_dec"), g.BDec, 1e-4, "b_dec");
        if (architecture == SaeArchitecture.JumpRelu) TestData.AssertClose(golden.ReadFloat32($"{arch}/grad/log_threshold"), g.Threshold!, 1e-4, "log θ");
    }
}
