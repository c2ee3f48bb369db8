using System.Runtime.InteropServices;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Training;

public sealed partial class LanguageModelTrainer
{
    private const string StateMagic = "FeatureAtlas language-model trainer state v1";

    /// <summary>Everything a resumed run needs to continue bit for bit: step, tokens, every parameter and both AdamW moments.</summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateMagic);
        writer.Write(Weights.Config.ToJson().ToJsonString());
        writer.Write(Step);
        writer.Write(TokensSeen);
        foreach (var slot in _slots)
        {
            writer.Write(MemoryMarshal.AsBytes(slot.Value.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(slot.M.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(slot.V.AsSpan()));
        }
    }

    /// <summary>
    /// A trainer restored from <see cref="WriteState"/> into <paramref name="shape"/> (weights of the same configuration,
    /// e.g. the run's initialisation, overwritten here).
    /// </summary>
    public static LanguageModelTrainer ReadState(BinaryReader reader, Gpt2Weights shape, LanguageModelTrainingOptions options, NgramTeacher? teacher = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(shape);
        if (reader.ReadString() != StateMagic) throw new InvalidDataException("Not a language-model trainer state.");
        var config = reader.ReadString();
        if (config != shape.Config.ToJson().ToJsonString()) throw new InvalidDataException($"The trainer state is of another model shape ({config}).");
        var trainer = Create(shape, options, teacher);
        trainer.Step = reader.ReadInt32();
        trainer.TokensSeen = reader.ReadInt64();
        var stream = reader.BaseStream;
        foreach (var slot in trainer._slots)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(slot.Value.AsSpan()));
            stream.ReadExactly(MemoryMarshal.AsBytes(slot.M.AsSpan()));
            stream.ReadExactly(MemoryMarshal.AsBytes(slot.V.AsSpan()));
        }
        return trainer;
    }
}
