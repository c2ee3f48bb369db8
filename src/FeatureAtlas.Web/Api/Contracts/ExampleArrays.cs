using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// An example's <c>tokens</c> as an Activation row writes them, a JSON array of strings, written from the example
/// itself: by token id from the vocabulary's JSON text, encoded once (<see cref="VocabularyMarkup.WriteJsonStrings"/>),
/// when it has ids, so a feature's 5,760 example tokens are neither copied into arrays nor escaped and transcoded per
/// request.
/// Response only.
/// </summary>
[JsonConverter(typeof(Converter))]
public readonly record struct ExampleTokens(ExampleView Example)
{
    private sealed class Converter : WriteOnlyConverter<ExampleTokens>
    {
        public override void Write(Utf8JsonWriter writer, ExampleTokens value, JsonSerializerOptions options)
        {
            var example = value.Example;
            if (example is { Ids: { } ids, Vocabulary: { } vocabulary })
            {
                vocabulary.WriteJsonStrings(writer, ids, options.Encoder);
                return;
            }
            writer.WriteStartArray();
            foreach (var token in example.Tokens) writer.WriteStringValue(token);
            writer.WriteEndArray();
        }
    }
}

/// <summary>
/// An example's <c>values</c>, the activation on every token as a JSON array of numbers, written from the example's
/// sparse activations when it has them (0 between them) instead of from a dense copy. Response only.
/// </summary>
[JsonConverter(typeof(Converter))]
public readonly record struct ExampleValues(ExampleView Example)
{
    private sealed class Converter : WriteOnlyConverter<ExampleValues>
    {
        public override void Write(Utf8JsonWriter writer, ExampleValues value, JsonSerializerOptions options)
        {
            var example = value.Example;
            writer.WriteStartArray();
            if (example.Sparse is { } sparse)
            {
                var (positions, values) = (sparse.Positions, sparse.Values);
                var next = 0;
                for (var i = 0; i < example.Length; i++)
                {
                    if (next < positions.Length && positions[next] == i) writer.WriteNumberValue(values[next++]);
                    else writer.WriteNumberValue(0);
                }
            }
            else
            {
                foreach (var v in example.Values) writer.WriteNumberValue(v);
            }
            writer.WriteEndArray();
        }
    }
}

/// <summary>A converter for a type that answers are written with and requests never carry.</summary>
internal abstract class WriteOnlyConverter<T> : JsonConverter<T>
{
    public sealed override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException($"{typeof(T).Name} is written, never read.");
}

/// <summary>The OpenAPI document shows <see cref="ExampleTokens"/> and <see cref="ExampleValues"/> as the arrays their converters write.</summary>
internal static class ExampleArraySchemas
{
    public static Task Describe(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var items = context.JsonTypeInfo.Type == typeof(ExampleTokens) ? new OpenApiSchema { Type = JsonSchemaType.String }
            : context.JsonTypeInfo.Type == typeof(ExampleValues) ? new OpenApiSchema { Type = JsonSchemaType.Number, Format = "float" }
            : null;
        if (items is not null) (schema.Type, schema.Items) = (JsonSchemaType.Array, items);
        return Task.CompletedTask;
    }
}
