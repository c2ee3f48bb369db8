using System.Runtime.InteropServices;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation the running job sees, instead of ending the process, so
/// the job can write its checkpoint and exit cleanly (exit code 130). A second signal is left to the default
/// handler and ends the process at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;

    private StopSignal(CancellationToken linked)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => _source.Token;

    public static StopSignal Register(CancellationToken linked) => new(linked);

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return;   // the second Ctrl+C: let the process end
        context.Cancel = true;
        Console.Error.WriteLine("Stopping after the current batch (Ctrl+C again to abort)...");
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
