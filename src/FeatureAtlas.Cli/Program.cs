using FeatureAtlas.Cli;

return AtlasCli.Run(args);
