using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// The writer Razor pages render through, with a buffer that holds a whole page: MVC's default of 16K chars sent a
/// 93 KB feature page to the socket in six writes (each a send and a wake-up of the reader). With this buffer the
/// page goes out in one. Buffers are rented from the shared pools, as MVC's own are.
/// </summary>
internal sealed class WholePageWriterFactory : IHttpResponseStreamWriterFactory
{
    /// <summary>Chars buffered before a write to the response: a feature page is about 93K.</summary>
    public const int BufferSize = 128 * 1024;

    public TextWriter CreateWriter(Stream stream, Encoding encoding) =>
        new HttpResponseStreamWriter(stream, encoding, BufferSize, ArrayPool<byte>.Shared, ArrayPool<char>.Shared);
}
