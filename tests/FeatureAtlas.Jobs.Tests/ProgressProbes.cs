namespace FeatureAtlas.Jobs.Tests;

/// <summary>Cancels a UMAP job once its layout reaches <paramref name="epoch"/>, to stop it midway.</summary>
internal sealed class CancelAt(int epoch, CancellationTokenSource cancellation) : IProgress<JobProgress>
{
    public void Report(JobProgress value)
    {
        if (value.Stage == "epochs" && value.Done >= epoch) cancellation.Cancel();
    }
}

/// <summary>Keeps every progress report a job makes.</summary>
internal sealed class Collect(List<JobProgress> seen) : IProgress<JobProgress>
{
    public void Report(JobProgress value) => seen.Add(value);
}
