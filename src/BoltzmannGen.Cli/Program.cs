using BoltzmannGen.Cli;

return BgenApp.Run(args);
