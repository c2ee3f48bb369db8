using System.Runtime.InteropServices;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

public sealed partial class SaeTrainer
{
    private const string StateMagic = "FeatureAtlas SAE trainer state v1";

    /// <summary>Everything a resumed run needs: parameters, Adam moments, step, token and firing counts.</summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateMagic);
        writer.Write(DIn);
        writer.Write(DSae);
        writer.Write((int)Options.Architecture);
        writer.Write(Step);
        writer.Write(TokensSeen);
        var slot = 0;
        foreach (var (value, _) in Parameters())
        {
            writer.Write(MemoryMarshal.AsBytes(value.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(_m[slot].AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(_v[slot].AsSpan()));
            slot++;
        }
        writer.Write(MemoryMarshal.AsBytes(_stepsSinceFired.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(_firings.AsSpan()));
    }

    /// <summary>A trainer restored from <see cref="WriteState"/>; the options must describe the same SAE.</summary>
    public static SaeTrainer ReadState(BinaryReader reader, SaeTrainingOptions options, int dIn)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (reader.ReadString() != StateMagic) throw new InvalidDataException("Not an SAE trainer state.");
        var (storedIn, storedSae, architecture) = (reader.ReadInt32(), reader.ReadInt32(), (SaeArchitecture)reader.ReadInt32());
        if (storedIn != dIn || storedSae != options.DSae || architecture != options.Architecture)
        {
            throw new InvalidDataException($"The trainer state is a {architecture} SAE {storedIn}→{storedSae}, not {options.Architecture} {dIn}→{options.DSae}.");
        }
        var s = options.DSae;
        var trainer = new SaeTrainer(options, dIn, new SaeParameters
        {
            WEnc = new float[dIn * s], WDec = new float[s * dIn], BDec = new float[dIn], BEnc = new float[s],
            Threshold = options.Architecture == SaeArchitecture.JumpRelu ? new float[s] : null,
        });
        trainer.Step = reader.ReadInt32();
        trainer.TokensSeen = reader.ReadInt64();
        var stream = reader.BaseStream;
        var slot = 0;
        foreach (var (value, _) in trainer.Parameters())
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(value.AsSpan()));
            stream.ReadExactly(MemoryMarshal.AsBytes(trainer._m[slot].AsSpan()));
            stream.ReadExactly(MemoryMarshal.AsBytes(trainer._v[slot].AsSpan()));
            slot++;
        }
        stream.ReadExactly(MemoryMarshal.AsBytes(trainer._stepsSinceFired.AsSpan()));
        stream.ReadExactly(MemoryMarshal.AsBytes(trainer._firings.AsSpan()));
        return trainer;
    }
}
