// MSBuild inline task: sets VER_FLG_WEAK on one version-need entry of an ELF64 shared library.
// Used on libLibTorchSharp.so (see Directory.Build.targets for why). Layout per the System V gABI
// and the GNU symbol-versioning spec: section headers -> SHT_GNU_verneed -> Elf64_Verneed/Elf64_Vernaux.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkElfVersionNeedWeak : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var bytes = File.ReadAllBytes(path);
                int changed = MarkWeak(bytes, Version);
                if (changed > 0)
                {
                    File.WriteAllBytes(path, bytes);
                    Log.LogMessage(MessageImportance.High, $"Marked version need {Version} weak in {path} (GLIBCXX workaround, docs/design.md §8.2).");
                }
            }
            catch (Exception e)
            {
                Log.LogError($"Could not patch {path}: {e.Message}");
                return false;
            }
        }
        return true;
    }

    /// Returns how many entries were changed (0 when already weak or absent).
    static int MarkWeak(byte[] b, string version)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not a little-endian ELF64 file");
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(b, (int)sh + 24);
            int link = (int)BitConverter.ToUInt32(b, (int)sh + 40);
            int count = (int)BitConverter.ToUInt32(b, (int)sh + 44);
            long strOffset = BitConverter.ToInt64(b, (int)(shoff + (long)link * shentsize) + 24);

            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BitConverter.ToUInt16(b, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long nameAt = strOffset + BitConverter.ToUInt32(b, (int)aux + 8);
                    if (ReadCString(b, nameAt) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(b, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, (int)aux + 4);
                            changed++;
                        }
                    }
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(b, (int)vn + 12);
            }
        }
        return changed;
    }

    static string ReadCString(byte[] b, long at)
    {
        int end = (int)at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
