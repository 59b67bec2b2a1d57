/* cmd_export.c: placeholder until the export command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_export(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("export", "this command is not available in this build yet");
}
