namespace OpenMMSharp;

/// <summary>
/// An OpenMM compute platform (Reference, CPU, CUDA, OpenCL). Platforms are process-wide singletons inside
/// OpenMM, so this class holds a non-owning pointer. Plugins are loaded once per process on first use:
/// loading the plugin directory twice registers "CPU" twice.
/// </summary>
public sealed class Platform
{
    // The one piece of static state the bindings keep: the one-time plugin load.
    private static readonly Lazy<PluginLoadResult> Plugins = new(LoadPlugins, LazyThreadSafetyMode.ExecutionAndPublication);

    private Platform(IntPtr pointer, string name)
    {
        Pointer = pointer;
        Name = name;
    }

    internal IntPtr Pointer { get; }
    public string Name { get; }

    public override string ToString() => Name;

    /// <summary>The OpenMM version string (e.g. "7.7").</summary>
    public static unsafe string OpenMMVersion =>
        NativeMethods.GetString((b, c, out n) => NativeMethods.omms_Platform_getOpenMMVersion(b, c, out n));

    /// <summary>Where plugins were loaded from and which failed (e.g. OpenCL without a driver is normal).</summary>
    public static PluginLoadResult PluginLoad => Plugins.Value;

    /// <summary>Names of every registered platform, plugins loaded.</summary>
    public static unsafe IReadOnlyList<string> Names
    {
        get
        {
            _ = Plugins.Value;
            NativeMethods.Check(NativeMethods.omms_Platform_getNumPlatforms(out int count));
            var names = new List<string>(count);
            for (int i = 0; i < count; i++)
            {
                int index = i;
                names.Add(NativeMethods.GetString((b, c, out n) => NativeMethods.omms_Platform_getName(index, b, c, out n)));
            }
            return names;
        }
    }

    /// <summary>The platform called <paramref name="name"/> (case-insensitive); unknown names list the available ones.</summary>
    public static Platform GetPlatformByName(string name)
    {
        var names = Names;
        var match = names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        if (match is null)
            throw new OpenMMException($"Unknown OpenMM platform '{name}'. Available platforms: {string.Join(", ", names)}.");
        NativeMethods.Check(NativeMethods.omms_Platform_getPlatformByName(match, out IntPtr pointer));
        return new Platform(pointer, match);
    }

    private static unsafe PluginLoadResult LoadPlugins()
    {
        // OPENMM_PLUGIN_DIR overrides the directory compiled into libOpenMM, as in OpenMM's own Python layer.
        string directory = Environment.GetEnvironmentVariable("OPENMM_PLUGIN_DIR") is { Length: > 0 } fromEnv
            ? fromEnv
            : NativeMethods.GetString((b, c, out n) => NativeMethods.omms_Platform_getDefaultPluginsDirectory(b, c, out n));
        if (!Directory.Exists(directory))
            return new PluginLoadResult(directory, [$"plugin directory {directory} does not exist"]);
        NativeMethods.Check(NativeMethods.omms_Platform_loadPluginsFromDirectory(directory, out IntPtr failures, out int length));
        var text = NativeMethods.TakeString(failures, length);
        return new PluginLoadResult(directory, text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>The outcome of the one-time plugin load.</summary>
public sealed record PluginLoadResult(string Directory, IReadOnlyList<string> Failures);
