using FeatureAtlas.Bench;

return BenchCli.Run(args);
